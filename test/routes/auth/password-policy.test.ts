import argon2 from 'argon2'
import { suite } from '../../helpers/suite.js'
import { ARGON2_OPTIONS } from '../../../routes/auth/passwords.js'
import { assertStrongPassword, commonPasswordList, listForm, visiblePassword } from '../../../routes/auth/password-policy.js'
import { buildTestApp } from '../../helpers/app.js'
import { login, PASSWORD, register } from '../../helpers/auth-flow.js'

export default suite(import.meta, (t) => {
  t.test('weak passwords are refused with 400 WEAK_PASSWORD pointing at /password; nothing is written', async (t) => {
    const app = await buildTestApp(t)
    const email = 'jane.doe42@example.com'
    const cases: Array<[string, string]> = [
      ['password', 'password'],
      ['12345678', '12345678'],
      ['eight spaces', '        '],
      ['tabs and spaces', ' \t  \t   '],
      ['a common password in other case', 'PassWord1'],
      ['a common password with surrounding spaces', '  iloveyou  '],
      ['the email', email],
      ['the email in other case', 'Jane.Doe42@Example.COM'],
      ['the local part', 'jane.doe42'],
      ['the local part in other case', 'JANE.DOE42'],
      ['seven characters', 'short77'],
      ['one character', 'x'],
      ['eight code points that read as four (e and a combining accent)', 'e\u0301'.repeat(4)]
    ]
    for (const [name, password] of cases) {
      const res = await register(app, { email, password })
      t.equal(res.statusCode, 400, name)
      t.match(String(res.headers['content-type']), /^application\/problem\+json/, name)
      const body = res.json()
      t.equal(body.code, 'WEAK_PASSWORD', name)
      t.same(body.errors?.map((e: { pointer: string }) => e.pointer), ['/password'], name)
    }
    t.equal((await app.db.selectFrom('users').select('id').execute()).length, 0, 'no account was created')

    const strong = await register(app, { email, password: PASSWORD })
    t.equal(strong.statusCode, 201, 'a strong password is accepted')
    const ligatures = await register(app, { email: 'ligatures@example.com', password: '\uFB03\uFB03\uFB04\uFB04' })
    t.equal(ligatures.statusCode, 201, 'four ligatures read as 12 letters (ffiffifflffl): long enough')
    t.equal((await login(app, email)).statusCode, 200)
    const other = await register(app, { email: 'other@example.com', password: 'jane.doe42 rides a blue tandem' })
    t.equal(other.statusCode, 201, 'containing someone\'s local part is fine; only equality is refused')
  })

  t.test('passwords are judged as a person reads them: NFKC, invisible characters dropped, trimmed, look-alikes folded', async (t) => {
    const app = await buildTestApp(t)
    const email = 'janereader@example.com'
    const cases: Array<[string, string]> = [
      ['"a" and 7 spaces', 'a' + ' '.repeat(7)],
      ['a common password after leading spaces', '  123456'],
      ['8 zero-width spaces', '\u200b'.repeat(8)],
      ['8 Hangul fillers U+3164', '\u3164'.repeat(8)],
      ['fillers U+115F, U+1160, U+FFA0 and a word joiner', '\u115f\u1160\uffa0\u2060'.repeat(2)],
      ['8 blank Braille patterns', '\u2800'.repeat(8)],
      ['ideographic spaces around a short word', '\u3000\u3000abc\u3000\u3000\u3000'],
      ['full-width "password"', '\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44'],
      ['Cyrillic "р" and "а" in "password"', '\u0440\u0430ssw\u043erd'],
      ['all-Cyrillic look-alike "PASSWORD" in capitals', '\u0420\u0410SSW\u041eRD'],
      ['Greek omicron and alpha in "password"', 'p\u03b1ssw\u03bfrd'],
      ['zero-width joiners inside "iloveyou"', 'i\u200dlove\u200dyou'],
      ['variation selectors after "qwertyuiop"', 'qwertyuiop\ufe0f\ufe0e'],
      ['a soft hyphen and a bidi override in "password1"', 'pass\u00adword\u202e1'],
      ['control characters (BEL, ESC, DEL) after "password"', 'password\u0007\u001b\u007f'],
      ['the local part in full-width capitals', '\uff2a\uff21\uff2e\uff25\uff32\uff25\uff21\uff24\uff25\uff32']
    ]
    for (const [name, password] of cases) {
      const res = await register(app, { email, password })
      t.equal(res.statusCode, 400, `${name}: 400`)
      t.match(res.json(), { code: 'WEAK_PASSWORD', errors: [{ pointer: '/password' }] }, name)
    }
    t.equal((await app.db.selectFrom('users').select('id').execute()).length, 0, 'no account was created')

    // The hash is of the NFKC form only: invisible characters stay part of the secret, so the visible form does not log in.
    const typed = '\u200bcorrect horse battery staple\u00a0'
    t.equal((await register(app, { email, password: typed })).statusCode, 201, 'a strong password with invisible edges is accepted')
    t.equal((await login(app, email, typed)).statusCode, 200, 'logs in with what was typed')
    t.equal((await login(app, email, 'correct horse battery staple')).statusCode, 401, 'the normalised form is not the password')
    t.equal((await register(app, { email: 'cyrillic@example.com', password: '\u043c\u043e\u0439 \u043f\u0430\u0440\u043e\u043b\u044c \u0434\u043b\u0438\u043d\u043d\u044b\u0439' })).statusCode, 201,
      'a long Cyrillic passphrase (not a look-alike of a listed one) is fine')
  })

  t.test('the same password typed composed or decomposed logs in (NFKC before hashing); a hash made before that still verifies as typed', async (t) => {
    const app = await buildTestApp(t)
    const composed = 'Caf\u00e9 au lait, deux sucres'
    const decomposed = 'Cafe\u0301 au lait, deux sucres'
    t.not(composed, decomposed)
    t.equal((await register(app, { email: 'nfc@example.com', password: composed })).statusCode, 201)
    t.equal((await register(app, { email: 'nfd@example.com', password: decomposed })).statusCode, 201)
    for (const email of ['nfc@example.com', 'nfd@example.com']) {
      t.equal((await login(app, email, composed)).statusCode, 200, `${email}: composed`)
      t.equal((await login(app, email, decomposed)).statusCode, 200, `${email}: decomposed`)
      t.equal((await login(app, email, 'Cafe au lait, deux sucres')).statusCode, 401, `${email}: without the accent is another password`)
    }
    const stored = await app.db.selectFrom('users').select('password_hash').where('email', '=', 'nfd@example.com').executeTakeFirstOrThrow()
    t.ok(await argon2.verify(stored.password_hash, composed), 'the stored hash is of the normalized form')

    // An account whose hash predates normalization: the hash of the decomposed password exactly as typed.
    await app.db.updateTable('users').set({ password_hash: await argon2.hash(decomposed, ARGON2_OPTIONS) }).where('email', '=', 'nfd@example.com').execute()
    t.equal((await login(app, 'nfd@example.com', decomposed)).statusCode, 200, 'an older hash: logs in with what was typed then')
    t.equal((await login(app, 'nfd@example.com', 'Cafe\u0301 au lait, trois sucres')).statusCode, 401, 'and a wrong password is still wrong')
  })

  t.test('the visible and list forms', async (t) => {
    t.equal(visiblePassword('  \uff21b\u200bc\u3000'), 'Abc', 'NFKC, zero-width space dropped, trimmed')
    t.equal(visiblePassword('a  b'), 'a  b', 'inner whitespace is kept')
    t.equal(visiblePassword('\u{1F511}key'), '\u{1F511}key', 'emoji are visible')
    t.equal(listForm('  PassWord '), 'password', 'ASCII: trimmed and lowercased only')
    t.equal(listForm('modem'), 'modem', 'ASCII is never folded into other ASCII (TR39 maps "m" to "rn")')
    t.equal(listForm('\u0420\u0430ss\u200bword'), 'password', 'Cyrillic look-alikes folded, invisible dropped')
    await t.rejects(assertStrongPassword('\u{1F511}'.repeat(7) + ' ', 'a@example.com'), { code: 'WEAK_PASSWORD' }, 'length is counted in code points, after trimming')
    await t.resolves(assertStrongPassword('\u{1F511}'.repeat(8), 'a@example.com'), '8 emoji are 8 characters')
  })

  t.test('the shipped list is large, lowercased and loaded once', async (t) => {
    const list = await commonPasswordList()
    t.ok(list.size >= 100_000, `${list.size} entries of 8+ characters (SPEC: at least 100,000)`)
    t.equal(await commonPasswordList(), list, 'the same Set on every call')
    for (const entry of ['password', '12345678', 'iloveyou', 'qwertyuiop']) t.ok(list.has(entry), entry)
    t.notOk(list.has('correct horse battery staple'))
    await t.rejects(assertStrongPassword('qwertyuiop', 'a@example.com'), { code: 'WEAK_PASSWORD' })
    await t.resolves(assertStrongPassword('correct horse battery staple', 'a@example.com'))
  })

  t.test('a weak ADMIN_PASSWORD stops the start', async (t) => {
    await t.rejects(buildTestApp(t, { env: { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'password1' } }), /ADMIN_PASSWORD is refused \(WEAK_PASSWORD\)/)
    await t.rejects(buildTestApp(t, { env: { ADMIN_EMAIL: 'operator.one@example.com', ADMIN_PASSWORD: 'Operator.One' } }), /ADMIN_PASSWORD is refused/)
  })
})
