import { mountConfirmButton } from './confirm-button';

/** The box and its button as the page has them, with the click a person makes. */
function page() {
  const box = { hidden: true, textContent: '' };
  let click: (() => void) | undefined;
  const focused: string[] = [];
  const button = {
    disabled: false,
    focus: () => void focused.push('confirm-button'),
    addEventListener: (type: string, listener: () => void) => void (type === 'click' && (click = listener)),
  };
  const elements: Record<string, unknown> = { 'confirm-box': box, 'confirm-button': button };
  const source = { getElementById: (id: string) => (elements[id] ?? null) as HTMLElement | null };
  return { source, box, button, focused, press: () => click?.() };
}

describe('the Confirm button', () => {
  it('shows the box and sends nothing until a person presses Confirm, then sends once', async () => {
    const p = page();
    const sent: string[] = [];
    mountConfirmButton(p.source).askToConfirm(async () => void sent.push('confirm'));
    expect([p.box.hidden, p.focused, sent]).toEqual([false, ['confirm-button'], []]);
    p.press();
    p.press(); // a double click sends once
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual(['confirm']);
    expect([p.box.hidden, p.button.disabled]).toEqual([true, false]);
  });

  it('a press with no link waiting sends nothing', () => {
    const p = page();
    mountConfirmButton(p.source);
    expect(() => p.press()).not.toThrow();
    expect(p.box.hidden).toBe(true);
  });
});
