/**
 * A CloudFormation value as readable text: `Fn::Join` joined, `Ref` and `Fn::GetAtt` written as `${AWS::Region}`,
 * `${Logical.Arn}`, so templates can be compared and documented without an account.
 */
export function cfnText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) return node.map(cfnText).join(', ');
  if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if ('Fn::Join' in record) {
      const [delimiter, items] = record['Fn::Join'] as [string, unknown[]];
      return items.map(cfnText).join(delimiter);
    }
    if ('Fn::Sub' in record) return cfnText(record['Fn::Sub']);
    if ('Fn::GetAtt' in record) {
      const [resource, attribute] = record['Fn::GetAtt'] as [string, string];
      return `\${${resource}.${attribute}}`;
    }
    if ('Ref' in record) return `\${${String(record['Ref'])}}`;
  }
  return JSON.stringify(node);
}
