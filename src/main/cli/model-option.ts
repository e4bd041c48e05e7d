/**
 * The `--model` option of the commands that run the encoder: the shipped model by default, a
 * path, or (where the command can do without) 'none' for the classical estimator alone.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { appRoot } from '../app-root'
import { CliUsageError } from './command'

export const SHIPPED_MODEL_PATH = join(appRoot(), 'models', 'ausculta-encoder.onnx')

/** The model file `--model <value>` names (the shipped one when omitted; null for 'none'), checked to exist. */
export function modelPathOption(value: string | undefined, hint = ''): string | null {
  if (value === 'none') return null
  const path = resolve(value ?? SHIPPED_MODEL_PATH)
  if (!existsSync(path)) throw new CliUsageError(`model not found: ${value ?? 'models/ausculta-encoder.onnx'}${hint}`)
  return path
}
