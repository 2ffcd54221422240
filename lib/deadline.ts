export class DeadlineError extends Error {
  constructor (readonly ms: number) {
    super(`no answer within ${ms} ms`)
    this.name = 'DeadlineError'
  }
}

/**
 * Settles like `work`, or rejects with a DeadlineError once `ms` have passed. The expiry is
 * decided one event-loop phase late (setImmediate after the timer): when the loop was blocked,
 * an answer already waiting on the socket is read first and wins, so a busy process does not
 * mistake its own lag for a slow dependency.
 */
export async function withDeadline<T> (work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  let immediate: NodeJS.Immediate | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { immediate = setImmediate(() => { reject(new DeadlineError(ms)) }) }, ms)
  })
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
    if (immediate !== undefined) clearImmediate(immediate)
  }
}
