/**
 * Which onnxruntime execution provider to use. CPU always works; CUDA (Linux/Windows),
 * DirectML (Windows) and CoreML (macOS) are tried only where onnxruntime-node offers them on this
 * platform, and a failure to start one falls back to CPU with the reason kept for the UI.
 */
import { listSupportedBackends } from 'onnxruntime-node'

export type ExecutionProviderName = 'cpu' | 'cuda' | 'dml' | 'coreml'
export type ExecutionProviderChoice = ExecutionProviderName | 'auto'

export interface ProviderAttempt {
  provider: ExecutionProviderName
  ok: boolean
  reason?: string
}

/** Providers worth trying on this machine, best first; always ends with 'cpu'. */
export function candidateProviders(choice: ExecutionProviderChoice, platform: NodeJS.Platform = process.platform): ExecutionProviderName[] {
  if (choice !== 'auto') return choice === 'cpu' ? ['cpu'] : [choice, 'cpu']
  const offered = new Set(listSupportedBackends().map((backend) => backend.name))
  const accelerated: ExecutionProviderName[] = []
  if (platform === 'win32' && offered.has('dml')) accelerated.push('dml')
  if ((platform === 'linux' || platform === 'win32') && offered.has('cuda')) accelerated.push('cuda')
  if (platform === 'darwin' && offered.has('coreml')) accelerated.push('coreml')
  return [...accelerated, 'cpu']
}
