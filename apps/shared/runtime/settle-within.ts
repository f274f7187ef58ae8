/**
 * Wait for a promise at most `ms`: true when it settled (either way) in time, false when the
 * wait was given up. For shutdown, where every step is bounded so that the process stops
 * within its grace period even if a dependency never answers.
 */
export const settleWithin = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    p.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });
