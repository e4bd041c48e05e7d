{
  "variables": {
    # Windows: the vcpkg install root of portaudio, e.g. C:/vcpkg/installed/x64-windows
    "portaudio_root%": "<!(node -p \"process.env.PORTAUDIO_ROOT || ''\")"
  },
  "targets": [
    {
      "target_name": "ausculta_audio",
      "sources": [
        "src/addon.cc",
        "src/portaudio-runtime.cc",
        "src/device-list.cc",
        "src/stream-common.cc",
        "src/input-stream.cc",
        "src/output-stream.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "conditions": [
        ["OS=='linux'", {
          "cflags": ["<!@(pkg-config --cflags portaudio-2.0)"],
          "libraries": ["<!@(pkg-config --libs portaudio-2.0)", "-lasound"]
        }],
        ["OS=='mac'", {
          "cflags": ["<!@(pkg-config --cflags portaudio-2.0)"],
          "libraries": ["<!@(pkg-config --libs portaudio-2.0)"],
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "OTHER_CFLAGS": ["<!@(pkg-config --cflags portaudio-2.0)"]
          }
        }],
        ["OS=='win'", {
          "include_dirs": ["<(portaudio_root)/include"],
          "libraries": ["<(portaudio_root)/lib/portaudio.lib"],
          "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] } },
          "copies": [{ "destination": "<(module_root_dir)/build/Release", "files": ["<(portaudio_root)/bin/portaudio.dll"] }]
        }]
      ]
    }
  ]
}
