#!/usr/bin/env bash
# A private PulseAudio daemon for the listening-latency bench: two null sinks.
#   ausculta_in  - the "stethoscope": the bench plays its click train here; ausculta_mic records it
#   ausculta_out - the "headphones": the listening path plays here; ausculta_out_mic records it
# Usage: source scripts/start-pulse-listen.sh   (exports XDG_RUNTIME_DIR, PULSE_SERVER and PULSE_PID)
set -e
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d -t ausculta-pulse.XXXXXX)}
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export PULSE_SERVER="unix:$XDG_RUNTIME_DIR/pulse/native"
pulseaudio -D -n --exit-idle-time=-1 --log-target=file:"$XDG_RUNTIME_DIR/pulse.log" \
  --load="module-native-protocol-unix" \
  --load="module-null-sink sink_name=ausculta_in rate=48000" \
  --load="module-null-sink sink_name=ausculta_out rate=48000" \
  --load="module-remap-source master=ausculta_in.monitor source_name=ausculta_mic source_properties=device.description=AuscultaMic" \
  --load="module-remap-source master=ausculta_out.monitor source_name=ausculta_out_mic \
source_properties=device.description=AuscultaOutMic" \
  --load="module-always-sink"
for i in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
pactl set-default-sink ausculta_out
pactl set-default-source ausculta_mic
PULSE_PID=$(cat "$XDG_RUNTIME_DIR/pulse/pid")
export PULSE_PID
echo "pulseaudio pid $PULSE_PID, server $(pactl info | sed -n 's/^Server String: //p')"
