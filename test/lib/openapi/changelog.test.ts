import { suite } from '../../helpers/suite.js'
import { unreleasedBreakingChanges } from '../../../lib/openapi/changelog.js'

export default suite(import.meta, (t) => {
  t.test('a changelog without an Unreleased entry is refused', async (t) => {
    t.throws(() => unreleasedBreakingChanges('# API changelog\n\n## 1.0.0\n\n- `removed-operation GET /x`\n'), /no "## Unreleased" entry/)
    t.throws(() => unreleasedBreakingChanges('## Unreleased changes\n'), /no "## Unreleased" entry/, 'the heading is exact')
  })

  t.test('only list items of the Unreleased entry that start with a code span count', async (t) => {
    const changelog = [
      '# API changelog', '', '- `removed-field GET /preamble 200 x` in the preamble', '',
      '## Unreleased', '', 'Prose with `code` is not an identifier.', '',
      '- `removed-field GET /api/products/{id} 200 name` — renamed to title',
      '* `required-parameter GET /api/orders query status`', '  - `nested GET /x` indented items do not count', '',
      '## 1.0.0 — 2026-01-01', '', '- `removed-operation GET /old`', ''
    ].join('\n')
    t.same(unreleasedBreakingChanges(changelog), ['removed-field GET /api/products/{id} 200 name', 'required-parameter GET /api/orders query status'])
    t.same(unreleasedBreakingChanges('## Unreleased\n'), [], 'an empty entry, the last one')
  })
})
