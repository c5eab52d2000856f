/** The page's few DOM helpers, shared by its parts: an element by id, show and hide, the checked inputs. */

/** What {@link byId} needs of a document (the page's own, or a fake one in a test). */
export interface ElementSource {
  getElementById(id: string): HTMLElement | null;
}

/** The element with this id; a page without it is a broken build, so this throws naming the id. */
export function byId<T extends HTMLElement = HTMLElement>(id: string, source: ElementSource = document): T {
  const element = source.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** Shows an element, with this text when one is given. */
export function show(element: Pick<HTMLElement, 'hidden' | 'textContent'>, text?: string): void {
  if (text !== undefined) element.textContent = text;
  element.hidden = false;
}

export function hide(element: Pick<HTMLElement, 'hidden'>): void {
  element.hidden = true;
}

/** Shows the text, or hides the element when there is none. */
export function showOrHide(
  element: Pick<HTMLElement, 'hidden' | 'textContent'>,
  text: string | undefined,
): void {
  if (text === undefined) hide(element);
  else show(element, text);
}

/** The value of the checked radio button of a group, if any. */
export function checkedValue(name: string): string | undefined {
  return document.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value;
}

/** The values of the checked boxes of a group, in the page's order. */
export function checkedValues(name: string): string[] {
  return [...document.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map(
    (c) => c.value,
  );
}
