import { suite } from '../helpers/suite.js'
import { isDateTime, isEmail } from '../../lib/formats.js'

export default suite(import.meta, (t) => {
  t.test('email: an address on the internet, as the validators SDKs use read it', async (t) => {
    for (const refused of ['', 'a', '@example.com', 'a@', 'a@b', 'a@localhost', 'a@[127.0.0.1]', 'a@[IPv6:::1]', '"a b"@example.com', `${'x'.repeat(65)}@example.com`,
      'a..b@example.com', '.a@example.com', 'a.@example.com', 'a@-example.com', 'a@example-.com', 'a@example..com', `a@${'x'.repeat(64)}.com`, 'a b@example.com', 'a@b@example.com']) {
      t.notOk(isEmail(refused), `refused: ${refused}`)
    }
    for (const taken of ['a@b.co', 'jane.doe@example.com', 'x+tag@mail.example.co.uk', `${'x'.repeat(64)}@example.com`, "o'brien@example.ie", 'a@123.example', 'a@xn--bcher-kva.example']) {
      t.ok(isEmail(taken), `taken: ${taken}`)
    }
  })

  t.test('date-time: RFC 3339 instants JavaScript can represent', async (t) => {
    t.ok(isDateTime('2026-11-24T10:00:00.000Z'))
    t.notOk(isDateTime('2026-06-30T23:59:60Z'), 'a leap second')
    t.notOk(isDateTime('2026-02-30T00:00:00Z'), 'a day that does not exist')
    t.notOk(isDateTime('0000-01-01T00:00:00Z'), 'year 0, which Postgres does not read')
    t.ok(isDateTime('0001-01-01T00:00:00Z'))
  })
})
