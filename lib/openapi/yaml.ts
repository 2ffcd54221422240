import YAML, { isScalar } from 'yaml'

/** The YAML 1.1 timestamp type (https://yaml.org/type/timestamp.html): PyYAML reads these as dates. */
export const YAML_1_1_TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{2}:\d{2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::\d{2})?))?)?$/

/** True when a YAML 1.1 or 1.2 loader would read this plain scalar as something other than the string. */
function ambiguous (text: string): boolean {
  if (YAML_1_1_TIMESTAMP.test(text)) return true
  for (const version of ['1.1', '1.2'] as const) {
    try {
      if (YAML.parse(text, { version }) !== text) return true
    } catch {
      return true
    }
  }
  return false
}

/**
 * YAML that every loader reads as the same data as the JSON: no anchors or aliases (shared
 * objects are written out; the `yaml` package refuses documents with many aliases), and strings
 * that YAML 1.1 or 1.2 would read as timestamps, booleans or numbers are quoted.
 */
export function portableYaml (value: unknown): string {
  const doc = new YAML.Document(value, { aliasDuplicateObjects: false })
  YAML.visit(doc, {
    Scalar (_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && ambiguous(node.value)) node.type = 'QUOTE_DOUBLE'
    }
  })
  return doc.toString({ lineWidth: 0 })
}
