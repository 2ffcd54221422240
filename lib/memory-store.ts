/**
 * The small key-value interface the app needs from Redis, so that the embedded
 * mode (no REDIS_URL) can run with an in-process stand-in.
 */
export interface KeyValueStore {
  readonly kind: 'redis' | 'embedded'
  /** False while the connection to the server is lost (refused, closed, reconnecting); never false in-process. */
  connected: () => boolean
  ping: () => Promise<void>
  get: (key: string) => Promise<string | null>
  set: (key: string, value: string, ttlMs: number) => Promise<void>
  /** Sets the key only if it does not exist; true when this call set it. */
  setIfAbsent: (key: string, value: string, ttlMs: number) => Promise<boolean>
  del: (key: string) => Promise<void>
}

/** In-process store for a single replica: entries expire lazily on read and on a periodic sweep. */
export class MemoryStore implements KeyValueStore {
  readonly kind = 'embedded'
  connected = (): boolean => true
  private readonly entries = new Map<string, { value: string, expiresAt: number }>()
  private readonly sweeper: NodeJS.Timeout

  constructor (sweepEveryMs = 60_000) {
    this.sweeper = setInterval(() => { this.sweep() }, sweepEveryMs)
    this.sweeper.unref()
  }

  async ping (): Promise<void> {}

  async get (key: string): Promise<string | null> {
    const entry = this.entries.get(key)
    if (entry === undefined) return null
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key)
      return null
    }
    return entry.value
  }

  async set (key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs })
  }

  async setIfAbsent (key: string, value: string, ttlMs: number): Promise<boolean> {
    if (await this.get(key) !== null) return false
    await this.set(key, value, ttlMs)
    return true
  }

  async del (key: string): Promise<void> {
    this.entries.delete(key)
  }

  close (): void {
    clearInterval(this.sweeper)
    this.entries.clear()
  }

  private sweep (): void {
    const now = Date.now()
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key)
  }
}
