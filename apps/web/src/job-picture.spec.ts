import { deleteQuestion } from './job-actions';
import { pictureShown } from './job-picture';

describe("the job's picture and actions", () => {
  it("shows the page's own picture first, else the mask alone, else nothing", () => {
    expect(pictureShown(true, true)).toBe('photo');
    expect(pictureShown(true, false)).toBe('photo');
    expect(pictureShown(false, true)).toBe('mask');
    expect(pictureShown(false, false)).toBe('none');
  });

  it('asks before deleting, naming the picture and saying it cannot be undone', () => {
    expect(deleteQuestion('ball.png')).toBe(
      'Delete ball.png and all its files (the picture, the model, its pictures)? This cannot be undone.',
    );
  });
});
