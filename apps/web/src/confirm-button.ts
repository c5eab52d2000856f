import { byId, hide, show, type ElementSource } from './dom';
import type { LinkDeps } from './links';

/** What the Confirm button needs of its element (the page's, or a fake one in a test). */
export type ConfirmButton = Pick<HTMLButtonElement, 'disabled' | 'focus'> & {
  addEventListener(type: 'click', listener: () => void): void;
};

/**
 * The box a confirmation link shows (#confirm-box, its #confirm-button): the confirmation is sent when a person
 * presses Confirm, once, never when the page opens. Another link asked for meanwhile replaces the waiting one.
 *
 * @example const { askToConfirm } = mountConfirmButton(); askToConfirm(() => api.confirm(token).then(say))
 */
export function mountConfirmButton(source: ElementSource = document): Pick<LinkDeps, 'askToConfirm'> {
  const box = byId('confirm-box', source);
  const button = byId('confirm-button', source) as unknown as ConfirmButton;
  let waiting: (() => Promise<void>) | undefined;
  button.addEventListener('click', () => {
    const confirm = waiting;
    if (!confirm) return;
    waiting = undefined;
    button.disabled = true;
    void confirm().finally(() => {
      hide(box);
      button.disabled = false;
    });
  });
  return {
    askToConfirm(confirm) {
      waiting = confirm;
      show(box);
      button.focus();
    },
  };
}
