/**
 * The onnxruntime execution providers the app knows, once: what a setting may name ('auto' lets
 * src/main/model/execution-providers.ts choose) and what actually runs a model.
 */
import { z } from 'zod'

/** CPU always works; CUDA (Linux/Windows), DirectML (Windows) and CoreML (macOS) where installed. */
export const executionProviderNameSchema = z.enum(['cpu', 'cuda', 'dml', 'coreml'])
export type ExecutionProviderName = z.infer<typeof executionProviderNameSchema>

/** A setting: one provider, or 'auto' (the fastest that starts, else CPU). */
export const executionProviderChoiceSchema = z.enum(['auto', ...executionProviderNameSchema.options])
export type ExecutionProviderChoice = z.infer<typeof executionProviderChoiceSchema>
