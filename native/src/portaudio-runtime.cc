#include "portaudio-runtime.h"

#ifdef __linux__
#include <alsa/asoundlib.h>
#include <fcntl.h>
#include <unistd.h>
#endif
#include <cstdio>
#include <cstdlib>

namespace ausculta {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Leaked on purpose: detached control threads may still run while static destructors execute at
// process exit, and locking a destroyed mutex aborts the process.
std::timed_mutex& g_paMutex = *new std::timed_mutex;
bool g_paInitialised = false;
std::atomic<int> g_openStreams{0};

namespace {

#ifdef __linux__
// ALSA prints probing noise for every unusable PCM while PortAudio enumerates; keep stderr clean.
void SilentAlsaErrorHandler(const char*, int, const char*, int, const char*, ...) {}
#endif

}  // namespace

PaError EnsureInitialisedLocked() {
  if (g_paInitialised) return paNoError;
#ifdef __linux__
  snd_lib_error_set_handler(SilentAlsaErrorHandler);
  // libjack (linked into Debian's PortAudio) prints "jack server is not running" on every probe
  // and offers no hook to silence it: mute stderr for the duration of the scan unless debugging.
  int savedStderr = -1;
  if (!getenv("AUSCULTA_AUDIO_DEBUG")) {
    fflush(stderr);
    savedStderr = dup(2);
    int devNull = open("/dev/null", O_WRONLY);
    if (savedStderr >= 0 && devNull >= 0) dup2(devNull, 2);
    if (devNull >= 0) close(devNull);
  }
  PaError err = Pa_Initialize();
  if (savedStderr >= 0) {
    fflush(stderr);
    dup2(savedStderr, 2);
    close(savedStderr);
  }
#else
  PaError err = Pa_Initialize();
#endif
  if (err == paNoError) g_paInitialised = true;
  return err;
}

std::string PaMessage(PaError err) {
  const char* text = Pa_GetErrorText(err);
  std::string message = text ? text : "unknown PortAudio error";
  if (err == paUnanticipatedHostError) {
    const PaHostErrorInfo* info = Pa_GetLastHostErrorInfo();
    if (info && info->errorText && info->errorText[0]) message += std::string(" (") + info->errorText + ")";
  }
  return message + " [" + std::to_string(err) + "]";
}

std::unique_lock<std::timed_mutex> JsPaLock(Napi::Env env) {
  std::unique_lock<std::timed_mutex> lock(g_paMutex, std::defer_lock);
  if (!lock.try_lock_for(std::chrono::milliseconds(1000)))
    throw Napi::Error::New(env, "PortAudio busy: a device call has not returned for over a second (audio server not answering)");
  return lock;
}

void TerminateIfIdle() {
  // At exit, terminate PortAudio only if no stream is open: a stream wedged in a dead audio
  // server would make Pa_Terminate hang, and the OS releases everything anyway.
  std::unique_lock<std::timed_mutex> lock(g_paMutex, std::try_to_lock);
  if (lock.owns_lock() && g_paInitialised && g_openStreams.load() == 0) {
    Pa_Terminate();
    g_paInitialised = false;
  }
}

}  // namespace ausculta
