// Export video: the representation canvas recorded while the page's timeline replays
// the run, as a WebM whose duration the engine writes in so that players can seek it.
import { webmWithDuration } from "../engine.js";
import { download } from "../io.js";
import { errorText } from "../messages.js";

/** Frames per second of the video. */
const VIDEO_FPS = 30;

/** Records `canvas` while `timeline` replays the run (from `moments` moments) and
 * downloads the WebM with its duration written in; returns what to tell the student.
 * `onStart()` is called once recording has begun. */
export async function recordReplay(canvas, timeline, moments, onStart) {
  if (typeof MediaRecorder === "undefined" || typeof canvas.captureStream !== "function") {
    return "This browser cannot record the canvas (it has no MediaRecorder); try a recent Chrome or Firefox.";
  }
  if (moments < 2) return "Nothing is recorded yet: train for a moment, then export.";
  const type = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"].find((t) => MediaRecorder.isTypeSupported(t));
  let recorder;
  let stream;
  try {
    stream = canvas.captureStream(VIDEO_FPS);
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
  } catch (e) {
    return `The video could not be recorded: ${errorText(e)}`;
  }
  onStart();
  const chunks = [];
  recorder.ondataavailable = (e) => {
    if (e.data.size > 0) chunks.push(e.data);
  };
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  const started = performance.now();
  recorder.start(250);
  await timeline.replay();
  await new Promise((resolve) => setTimeout(resolve, 400));
  recorder.stop();
  await stopped;
  const ms = performance.now() - started;
  stream.getTracks().forEach((track) => track.stop());
  let blob = new Blob(chunks, { type: "video/webm" });
  let warning = "";
  if (blob.size > 0) {
    try {
      blob = new Blob([webmWithDuration(new Uint8Array(await blob.arrayBuffer()), ms)], { type: "video/webm" });
    } catch (e) {
      warning = ` Its length could not be written in (${errorText(e)}), so players may not seek it.`;
    }
  }
  if (blob.size === 0) return "The browser recorded no video frames.";
  download("backprop-lab-representation.webm", blob, "video/webm");
  return `Exported the replay as backprop-lab-representation.webm (${Math.max(1, Math.round(blob.size / 1024))} KB, ${(ms / 1000).toFixed(1)} s).${warning}`;
}
