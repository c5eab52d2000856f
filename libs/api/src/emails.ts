/** The one email the API itself sends: "is this your address?". Results come from the notify handler. */
export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function confirmationEmail(input: { to: string; link: string; expiresAt: Date }): OutgoingEmail {
  const until = input.expiresAt.toUTCString();
  return {
    to: input.to,
    subject: 'Confirm your address for Gen3D',
    text: [
      'Hello,',
      '',
      'Someone (we hope you) asked Gen3D to email 3D models to this address.',
      `To receive them, open this link before ${until}:`,
      input.link,
      '',
      'If it was not you, ignore this email: nothing will be sent to you.',
      '— Gen3D',
    ].join('\n'),
    html: [
      '<p>Hello,</p>',
      '<p>Someone (we hope you) asked Gen3D to email 3D models to this address.</p>',
      `<p><a href="${escapeHtml(input.link)}">Confirm this address</a> (the link works until ${escapeHtml(until)}).</p>`,
      '<p>If it was not you, ignore this email: nothing will be sent to you.</p>',
      '<p>— Gen3D</p>',
    ].join('\n'),
  };
}
