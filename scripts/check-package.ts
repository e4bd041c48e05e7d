/**
 * `npm run check:package`: validates electron-builder.yml and lists what an installer would hold;
 * fails when the models, the native addon or the built app are missing, or development files
 * (sources, tests, training code) would ship. Runs without Electron's binary.
 */
import { join } from 'node:path'
import { packageContents } from '../src/main/packaging/package-contents'
import { packagingProblems } from '../src/main/packaging/package-rules'

async function main(): Promise<void> {
  const projectDir = join(__dirname, '..')
  const contents = await packageContents(projectDir)
  console.log(`electron-builder.yml is valid. ${contents.appFiles.length} app files, ${contents.dependencies.length} production packages:`)
  for (const file of contents.appFiles) console.log(`  ${file}`)
  console.log(`  + node_modules: ${contents.dependencies.filter((name) => !name.includes('/node_modules/')).join(', ')}`)
  console.log(`asarUnpack: ${contents.asarUnpack.join(', ')}`)
  const problems = packagingProblems(contents)
  if (problems.length > 0) {
    console.error(`\n${problems.length} packaging problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    process.exitCode = 1
  } else console.log('\nPackage contents check: OK')
}

void main()
