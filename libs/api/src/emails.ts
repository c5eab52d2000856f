/** The one email the API itself sends: "is this your address?". Results come from the notify handler. */
export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * "Is this your address?": names the picture whose result would come (quoted in the body only; the subject holds no
 * text a stranger chose), and says that confirming lets that one browser session send results here.
 */
export function confirmationEmail(input: {
  to: string;
  link: string;
  expiresAt: Date;
  pictureName: string;
}): OutgoingEmail {
  const until = input.expiresAt.toUTCString();
  const picture = `"${input.pictureName}.png"`;
  return {
    to: input.to,
    subject: 'Confirm your address for Gen3D',
    text: [
      'Hello,',
      '',
      `Someone (we hope you) asked Gen3D to email the 3D model of the picture ${picture} to this address.`,
      `To receive it, and what that same browser sends later, open this link before ${until}:`,
      input.link,
      '',
      'If it was not you, ignore this email: nothing will be sent to you, and nobody else can confirm for you.',
      '— Gen3D',
    ].join('\n'),
    html: [
      '<p>Hello,</p>',
      `<p>Someone (we hope you) asked Gen3D to email the 3D model of the picture <strong>${escapeHtml(picture)}</strong> to this address.</p>`,
      `<p><a href="${escapeHtml(input.link)}">Confirm this address</a> to receive it, and what that same browser sends later (the link works until ${escapeHtml(until)}).</p>`,
      '<p>If it was not you, ignore this email: nothing will be sent to you, and nobody else can confirm for you.</p>',
      '<p>— Gen3D</p>',
    ].join('\n'),
  };
}
