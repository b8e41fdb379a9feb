/**
 * What a Nexus caller in another namespace may ask of this worker, without a server: the checks
 * `checkSora2NexusInput` adds to the generation's own, and the handler's own save target
 * (`saveTo`), checked when it is built. (test/integration/nexus.test.ts runs the calls for real.)
 */
import { createGenerateOperationHandler } from '../../src/nexus';
import { checkSora2NexusInput } from '../../workflows/common/nexus-service';

const issuePaths = (input: unknown) => {
  const checked = checkSora2NexusInput(input);
  return checked.ok ? [] : checked.issues.map((issue) => issue.path);
};

describe('checkSora2NexusInput', () => {
  test('a plain generation is accepted', () => {
    expect(checkSora2NexusInput({ generation: { prompt: 'a kite' }, generationId: 'order-1' })).toMatchObject({ ok: true });
  });

  // The worker writes with its own file-system and AWS rights: a caller naming the target would
  // choose any directory under the save root or any bucket the worker may write (a confused deputy).
  test.each([
    ['a directory under the save root', 'videos'],
    ['the save root itself', '.'],
    ['an S3 bucket', 's3://someone-elses-bucket/drop'],
  ])('a save target (%s) is refused, as reference.path and compensations are', (_label, to) => {
    const checked = checkSora2NexusInput({ generation: { prompt: 'a kite', save: { to } } });
    expect(checked.ok).toBe(false);
    expect(checked.ok ? undefined : checked.issues).toContainEqual({
      path: 'generation.save',
      message: expect.stringMatching(/not the caller's/),
    });
  });

  test('every refusal is reported at once, with the generation’s own issues', () => {
    expect(
      issuePaths({
        generation: { prompt: ' ', save: { to: 'videos' }, reference: { path: 'x.png' }, compensations: [{ activity: 'a' }] },
      }).sort(),
    ).toEqual(['generation.compensations', 'generation.prompt', 'generation.reference.path', 'generation.save']);
  });
});

describe("the handler's saveTo option", () => {
  test('a valid target builds the handler; a bad one fails at once, naming the option', () => {
    expect(() => createGenerateOperationHandler({ saveTo: 'nexus-videos' })).not.toThrow();
    expect(() => createGenerateOperationHandler({ saveTo: 's3://videos-bucket/nexus' })).not.toThrow();
    expect(() => createGenerateOperationHandler({ saveTo: '../outside' })).toThrow(/^Sora2NexusOptions\.saveTo: .*"\.\."/);
    expect(() => createGenerateOperationHandler({ saveTo: '/srv/videos' })).toThrow(/saveTo: a directory must be relative/);
  });
});
