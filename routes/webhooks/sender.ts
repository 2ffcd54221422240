import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { BlockedTargetError, guardedLookup, hostOf, isBlockedAddress } from './ssrf.js'

/** The most of a response body (or an error) kept for the delivery log. */
export const EXCERPT_BYTES = 512

export interface SendOptions {
  timeoutMs: number
  allowPrivateTargets: boolean
  userAgent: string
}

export interface SendResult {
  ok: boolean
  status: number | null
  latencyMs: number
  error: string | null
  /**
   * The failure cannot pass on a retry: the SSRF guard refused the target (not https, or a
   * blocked address), or its URL is not one.
   */
  permanent: boolean
}

const excerpt = (text: string): string => text.length > EXCERPT_BYTES ? text.slice(0, EXCERPT_BYTES) : text

/**
 * One POST to a webhook target. Success is a 2xx within the timeout; a redirect is a failure
 * (never followed); only the first EXCERPT_BYTES of a body are read. With the guard on, the
 * target is https only and its resolved address must be public.
 */
export async function sendWebhook (target: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> {
  const started = performance.now()
  const elapsed = (): number => Math.round(performance.now() - started)
  const failed = (error: string, status: number | null = null): SendResult => ({ ok: false, status, latencyMs: elapsed(), error: excerpt(error), permanent: false })
  const refused = (error: string): SendResult => ({ ...failed(error), permanent: true })

  let url: URL
  try {
    url = new URL(target)
  } catch {
    return refused('invalid target URL')
  }
  const guarded = !options.allowPrivateTargets
  if (guarded && url.protocol !== 'https:') return refused('target must use https')
  const host = hostOf(url)
  // Node skips `lookup` for IP literals, so those are checked here.
  if (guarded && net.isIP(host) !== 0 && isBlockedAddress(host)) return refused(new BlockedTargetError(`${host} is a blocked address`).message)

  const client = url.protocol === 'https:' ? https : http
  return await new Promise<SendResult>((resolve) => {
    let settled = false
    const finish = (result: SendResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.destroy()
      resolve(result)
    }
    const request = client.request(url, {
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': options.userAgent },
      ...(guarded ? { lookup: guardedLookup } : {})
    }, (response) => {
      const status = response.statusCode ?? 0
      const ok = status >= 200 && status < 300
      if (ok) { finish({ ok, status, latencyMs: elapsed(), error: null, permanent: false }); return }
      let text = ''
      response.setEncoding('utf8')
      const done = (): void => { finish(failed(`HTTP ${status}${text === '' ? '' : `: ${text}`}`, status)) }
      response.on('data', (chunk: string) => {
        text += chunk
        if (Buffer.byteLength(text) >= EXCERPT_BYTES) done()
      })
      response.on('end', done)
      response.on('error', done)
    })
    const timer = setTimeout(() => { finish(failed(`timed out after ${options.timeoutMs} ms`)) }, options.timeoutMs)
    // guardedLookup's refusal reaches here as the request's error.
    request.on('error', (error) => { finish(error instanceof BlockedTargetError ? refused(error.message) : failed(error.message)) })
    request.end(body)
  })
}
