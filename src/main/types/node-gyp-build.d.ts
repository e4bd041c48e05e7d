// node-gyp-build ships no types; only what audio-addon.ts uses.
declare module 'node-gyp-build' {
  interface NodeGypBuild {
    /** Loads the addon of the package in `dir`. */
    (dir: string): unknown
    /** The addon file for this platform, runtime and ABI in `dir` (build/Release, build/Debug, prebuilds/); throws when none fits. */
    path(dir: string): string
  }
  const nodeGypBuild: NodeGypBuild
  export default nodeGypBuild
}
