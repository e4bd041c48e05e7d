/**
 * Which onnxruntime execution provider to use. CPU always works; CUDA (Linux/Windows),
 * DirectML (Windows) and CoreML (macOS) are tried only where onnxruntime-node offers them on this
 * platform and their libraries are actually installed (onnxruntime-node lists CUDA even when its
 * provider library was not downloaded); a provider that is skipped or fails to start falls back
 * to CPU with the reason kept for the UI.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { listSupportedBackends } from 'onnxruntime-node'

import type { ExecutionProviderChoice, ExecutionProviderName } from '../../core/model/execution-provider'

export type { ExecutionProviderChoice, ExecutionProviderName }

export interface ProviderAttempt {
  provider: ExecutionProviderName
  ok: boolean
  reason?: string
}

export interface ProviderPlan {
  /** Providers to try, best first; always ends with 'cpu'. */
  candidates: ExecutionProviderName[]
  /** Accelerators not tried, with the reason. */
  skipped: ProviderAttempt[]
}

function cudaLibraryPresent(platform: NodeJS.Platform): boolean {
  try {
    const root = dirname(require.resolve('onnxruntime-node/package.json'))
    const file = platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'
    return existsSync(join(root, 'bin', 'napi-v6', platform, process.arch, file))
  } catch {
    return false
  }
}

export function planProviders(choice: ExecutionProviderChoice, platform: NodeJS.Platform = process.platform): ProviderPlan {
  if (choice !== 'auto') return { candidates: choice === 'cpu' ? ['cpu'] : [choice, 'cpu'], skipped: [] }
  const backends = new Map(listSupportedBackends().map((backend) => [backend.name, backend]))
  const candidates: ExecutionProviderName[] = []
  const skipped: ProviderAttempt[] = []
  if (platform === 'win32' && backends.has('dml')) candidates.push('dml')
  if (platform === 'linux' || platform === 'win32') {
    const cuda = backends.get('cuda')
    if (!cuda) skipped.push({ provider: 'cuda', ok: false, reason: 'not offered by onnxruntime-node on this platform' })
    else if (cuda.bundled || cudaLibraryPresent(platform)) candidates.push('cuda')
    else
      skipped.push({
        provider: 'cuda',
        ok: false,
        reason:
          'CUDA provider library not installed (reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 on a machine with CUDA 12)',
      })
  }
  if (platform === 'darwin' && backends.has('coreml')) candidates.push('coreml')
  return { candidates: [...candidates, 'cpu'], skipped }
}
