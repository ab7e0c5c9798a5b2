// The try-it page: publishes the camera through WHIP and plays publications through WHEP.
// Plain browser APIs only — no build step, no CDN.
const $ = (id) => document.getElementById(id);

async function token(room) {
  const given = $("token").value.trim();
  if (given) return given;
  const response = await fetch(`/v1/dev/token?room=${encodeURIComponent(room)}`);
  if (!response.ok) throw new Error((await errorReason(response)) + " — paste a token from `cascade token`.");
  return (await response.json()).token;
}

async function errorReason(response) {
  try { return (await response.json()).reason; } catch { return `HTTP ${response.status}`; }
}

function status(id, text, isError = false) {
  $(id).textContent = text;
  $(id).classList.toggle("error", isError);
}

// Offer/answer over HTTP: the server is ICE-lite and answers with every candidate, so waiting
// for our own gathering is unnecessary — but a complete offer is friendlier to logs.
async function exchange(pc, url, bearer) {
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${bearer}` },
    body: pc.localDescription.sdp,
  });
  if (response.status !== 201) throw new Error(await errorReason(response));
  await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  return new URL(response.headers.get("Location"), location.href).pathname;
}

let publishing = null;

$("publish").onclick = async () => {
  const room = $("room").value.trim();
  try {
    status("publish-status", "Asking for camera and microphone…");
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    $("local").srcObject = stream;
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
    const bearer = await token(room);
    const resource = await exchange(pc, `/whip/${encodeURIComponent(room)}`, bearer);
    publishing = { pc, stream, resource, bearer };
    const id = resource.split("/").pop();
    status("publish-status", `Publishing as ${id}`);
    $("resource").value = id;
    $("publish").disabled = true;
    $("unpublish").disabled = false;
    pc.onconnectionstatechange = () => status("publish-status", `Publishing as ${id} (${pc.connectionState})`);
  } catch (error) {
    const text = error.name === "NotAllowedError" ? "Camera or microphone access was denied." : error.message;
    status("publish-status", text, true);
  }
};

$("unpublish").onclick = async () => {
  if (!publishing) return;
  await fetch(publishing.resource, { method: "DELETE", headers: { Authorization: `Bearer ${publishing.bearer}` } });
  publishing.pc.close();
  publishing.stream.getTracks().forEach((t) => t.stop());
  publishing = null;
  $("publish").disabled = false;
  $("unpublish").disabled = true;
  status("publish-status", "Stopped.");
};

async function play(resourceId) {
  const room = $("room").value.trim();
  try {
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    video.controls = true;
    const stream = new MediaStream();
    video.srcObject = stream;
    pc.ontrack = (event) => stream.addTrack(event.track);
    $("players").append(video);
    await exchange(pc, `/whep/${encodeURIComponent(room)}/${encodeURIComponent(resourceId)}`, await token(room));
    status("play-status", `Playing ${resourceId}`);
  } catch (error) {
    status("play-status", error.message, true);
  }
}

$("play").onclick = () => play($("resource").value.trim());

$("refresh").onclick = async () => {
  const room = $("room").value.trim();
  try {
    const response = await fetch(`/v1/rooms/${encodeURIComponent(room)}/publications`, {
      headers: { Authorization: `Bearer ${await token(room)}` },
    });
    if (!response.ok) throw new Error(await errorReason(response));
    const { publications } = await response.json();
    const list = $("publications");
    list.replaceChildren();
    for (const publication of publications) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.textContent = "Play";
      button.onclick = () => play(publication.resourceId);
      item.append(`${publication.identity}: ${publication.resourceId} `, button);
      list.append(item);
    }
    if (publications.length === 0) list.append("No one is publishing in this room.");
  } catch (error) {
    status("play-status", error.message, true);
  }
};
