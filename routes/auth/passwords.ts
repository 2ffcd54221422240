import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'

/**
 * argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane). On the 2-core dev box one
 * hash or verify costs about 20 ms; argon2's own default (64 MiB, t=3, p=4) costs ~150 ms.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

/**
 * What is hashed and verified: the password in Unicode NFKC (NIST SP 800-63B §5.1.1.2), so the
 * same password typed as composed or decomposed characters (é or e + U+0301, as keyboards and
 * systems differ) is the same secret.
 */
const stabilized = (password: string): string => password.normalize('NFKC')

export async function hashPassword (password: string): Promise<string> {
  return await argon2.hash(stabilized(password), ARGON2_OPTIONS)
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

async function verifies (hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password)
  } catch {
    return false
  }
}

/**
 * Verifies the NFKC form; hashes made before passwords were normalized are of the password as
 * typed, so a password that normalization changes is also tried as typed (a second verify, only
 * then). An unknown account takes the same steps against a dummy hash, so it costs the same time.
 */
export async function verifyPassword (hash: string | undefined, password: string): Promise<boolean> {
  const against = hash ?? await unknownUserHash()
  const normalized = stabilized(password)
  const matches = await verifies(against, normalized) || (normalized !== password && await verifies(against, password))
  return hash !== undefined && matches
}
