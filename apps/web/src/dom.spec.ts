import { byId, hide, show, showOrHide } from './dom';

const element = () => ({ hidden: true, textContent: 'old' });

describe('the page helpers', () => {
  it('finds an element by id, and names the id when the page lacks it', () => {
    const found = { id: 'job-card' } as unknown as HTMLElement;
    const source = { getElementById: (id: string) => (id === 'job-card' ? found : null) };
    expect(byId('job-card', source)).toBe(found);
    expect(() => byId('job-title', source)).toThrow('the page has no #job-title');
  });

  it('shows with or without new text, and hides', () => {
    const e = element();
    show(e);
    expect(e).toEqual({ hidden: false, textContent: 'old' });
    show(e, 'new');
    expect(e).toEqual({ hidden: false, textContent: 'new' });
    hide(e);
    expect(e.hidden).toBe(true);
  });

  it('shows a text, or hides the element when there is none', () => {
    const e = element();
    showOrHide(e, 'held');
    expect(e).toEqual({ hidden: false, textContent: 'held' });
    showOrHide(e, undefined);
    expect(e).toEqual({ hidden: true, textContent: 'held' });
  });
});
