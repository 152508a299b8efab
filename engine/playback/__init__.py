"""Audio playback: sounds queued one after another, mixed over each other, or interrupting, on one output.

The engine never imports Qt; this module only uses ``sounddevice`` (imported
lazily: on Linux without ``libportaudio2`` its import raises ``OSError``) and
falls back to a :class:`NullOutput` that consumes audio at once, so the app and
the tests keep working on machines without sound. ``Playback.reason`` then says
why nothing is heard.

    from engine.playback import Playback
    pb = Playback(device=None, events=eng.events)
    job = pb.play_stream(handle.chunks(), cancel=handle.cancel, label="hello")
    job.wait()
    pb.close()

Each item is a :class:`PlaybackJob`: a source of mono float32 chunks (``AudioChunk``-like objects with
``samples`` and ``sample_rate``, or ``(samples, sample_rate)`` tuples), pulled by its own feeder thread (so a
source waiting for synthesis never blocks the others). ``play_stream(..., mode=)``:

* ``queue`` (default) — after the queued sounds, one at a time;
* ``overlap`` — mixed with whatever plays now, starting at the next audio block (a soundboard's "overlap");
* ``interrupt`` — stops everything playing or queued, then starts at the next audio block.

The :class:`Mixer` sums the active jobs block by block (``BLOCK_FRAMES``) and never clips: a block whose sum
would leave [-1, 1] is scaled down as a whole. The playback thread mixes each block right before writing it to
the output (PortAudio's blocking stream, or the :class:`NullOutput`): a sound requested while others play joins
at the next block. A block is written only when every sound that has started has audio for it (or ended): a
sound still waiting for synthesis makes the device wait instead of playing silence into the middle of a
sentence (mixing inside PortAudio's callback would have to play that silence), and a sound whose audio does not
exist yet holds nobody back: it starts at the first block after its audio arrives. The stream opens at the first job's sample rate (later chunks at other rates are resampled) and
closes when nothing is left to play. ``skip()`` ends the sound playing now (the queued one, else the oldest
mixed one); ``cancel(job)`` ends one sound; ``stop()`` ends every sound and empties the queue. Events: ``playback.state`` [state: playing | idle | stopped | skipped, job, label,
frames]; ``on_end(job)`` (optional, per job) runs when its audio ended.
"""

from __future__ import annotations

from .mixer import BLOCK_FRAMES, MODES, Mixer, PlaybackJob
from .outputs import NoOutputDevice, NullOutput, Output, OutputDevice, SoundDeviceOutput, list_output_devices, open_output
from .player import Playback

__all__ = ["BLOCK_FRAMES", "MODES", "Mixer", "NoOutputDevice", "NullOutput", "Output", "OutputDevice", "Playback",
           "PlaybackJob", "SoundDeviceOutput", "list_output_devices", "open_output"]
