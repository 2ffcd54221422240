import { DockerfileParser, type Instruction } from 'dockerfile-ast'
import { readRepoFile } from './files.js'

export const parseDockerfile = () => DockerfileParser.parse(readRepoFile('Dockerfile'))

/** The JSON (exec form) command of a CMD or HEALTHCHECK CMD instruction. */
export function execForm (instruction: Instruction | undefined): string[] {
  const content = instruction?.getArgumentsContent() ?? ''
  const parsed: unknown = JSON.parse(content.slice(content.indexOf('[')))
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new Error(`not an exec-form command: ${content}`)
  return parsed
}

/** The image HEALTHCHECK command. */
export const healthcheckCommand = (): string[] => execForm(parseDockerfile().getHEALTHCHECKs()[0])
