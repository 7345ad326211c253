/**
 * At most `size` SMTP conversations at once in one worker process: one per pooled connection. The worker runs more
 * send steps than it holds connections (their database work overlaps the others' SMTP time), and a step only starts
 * its conversation once a connection is free, so no message ever waits in the transport's own queue, where it could
 * still go out after its step had timed out and been retried.
 */
export interface SendGate {
  /** waits for a free connection until `deadline` (epoch ms); answers the function that gives it back, or undefined when none came free in time */
  acquire(deadline: number): Promise<(() => void) | undefined>;
  /** conversations running now */
  readonly active: number;
  /** steps waiting for a connection */
  readonly waiting: number;
}

export function createSendGate(size: number): SendGate {
  if (!Number.isInteger(size) || size < 1) throw new Error(`a send gate needs at least one connection (got ${size})`);
  let active = 0;
  const queue: Array<{ grant: () => void }> = [];

  function release(): void {
    const next = queue.shift();
    if (next) next.grant();
    else active--;
  }

  function permit(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }

  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    acquire(deadline: number) {
      if (active < size) {
        active++;
        return Promise.resolve(permit());
      }
      const wait = deadline - Date.now();
      if (wait <= 0) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const entry = {
          // the connection passes straight from the releasing step to this one: `active` stays as it is
          grant: () => {
            clearTimeout(timer);
            resolve(permit());
          },
        };
        const timer = setTimeout(() => {
          queue.splice(queue.indexOf(entry), 1);
          resolve(undefined);
        }, wait);
        queue.push(entry);
      });
    },
  };
}
