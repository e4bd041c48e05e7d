/** Exposes one typed API object to the renderer and nothing else. */
import { contextBridge, ipcRenderer } from 'electron'

const api = {
  version: (): Promise<string> => ipcRenderer.invoke('app:version') as Promise<string>,
}

export type AuscultaPreloadApi = typeof api

contextBridge.exposeInMainWorld('ausculta', api)
