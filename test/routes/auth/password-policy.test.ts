import { suite } from '../../helpers/suite.js'
import { assertStrongPassword, commonPasswordList } from '../../../routes/auth/password-policy.js'
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
      ['the local part in other case', 'JANE.DOE42']
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
    t.equal((await login(app, email)).statusCode, 200)
    const other = await register(app, { email: 'other@example.com', password: 'jane.doe42 rides a blue tandem' })
    t.equal(other.statusCode, 201, 'containing someone\'s local part is fine; only equality is refused')
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
