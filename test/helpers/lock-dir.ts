import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Runs work while holding a lock directory, so that of the test processes running in parallel
 * only one does it (build dist/, migrate a template) and the others wait, then find it done.
 * A lock left by a killed process (its pid gone) is taken over.
 */
export async function withLockDir<T> (lock: string, work: () => Promise<T> | T, { waitMs = 180_000 } = {}): Promise<T> {
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(lock)
      writeFileSync(join(lock, 'pid'), String(process.pid))
      break
    } catch {
      if (!alive(holder(lock))) rmSync(lock, { recursive: true, force: true })
      if (waited > waitMs) throw new Error(`lock ${lock} held for ${waitMs / 1000} s; remove it if nothing runs`)
      await sleep(100)
    }
  }
  try {
    return await work()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** The pid written into the lock; 0 while the holder has not written it yet (or the lock is gone). */
function holder (lock: string): number {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8'))
  } catch {
    return 0
  }
}

/** pid 0 counts as alive: a holder between mkdir and writing its pid. */
function alive (pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error instanceof Error && 'code' in error && error.code !== 'ESRCH'
  }
}
