import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'

/**
 * argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane). On the 2-core dev box one
 * hash or verify costs about 20 ms; argon2's own default (64 MiB, t=3, p=4) costs ~150 ms.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export async function hashPassword (password: string): Promise<string> {
  return await argon2.hash(password, ARGON2_OPTIONS)
}

let dummyHash: Promise<string> | undefined

/** A hash nobody knows the password of: unknown emails verify against it, so they cost the same time. */
async function unknownUserHash (): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64url'))
  return await dummyHash
}

export async function prepareUnknownUserHash (): Promise<void> {
  await unknownUserHash()
}

/** Always runs one argon2 verify, whether or not the account exists. */
export async function verifyPassword (hash: string | undefined, password: string): Promise<boolean> {
  let matches: boolean
  try {
    matches = await argon2.verify(hash ?? await unknownUserHash(), password)
  } catch {
    matches = false
  }
  return hash !== undefined && matches
}
