// WHIP publish / WHEP play / getStats helpers, injected into a page by harness/chromium.py.
// Deliberately independent of the server's own `/` page: plain fetch + RTCPeerConnection.
// Every entry point is async and registers its peer connection under a caller-chosen name.
window.cascadeInterop = (() => {
  const sessions = {};

  function waitIceGathering(pc, ms) {
    // WHIP/WHEP servers cannot trickle (INTEROP-NOTES §1), so send the complete offer.
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
      });
    });
  }

  function waitConnected(pc, ms) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pc.connectionState === 'connected') { clearTimeout(timer); resolve(); }
        else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
          clearTimeout(timer); reject(new Error('connectionState ' + pc.connectionState));
        }
      };
      const timer = setTimeout(() => reject(new Error(
        `not connected after ${ms} ms (connection ${pc.connectionState}, ice ${pc.iceConnectionState})`)), ms);
      pc.addEventListener('connectionstatechange', check);
      check();
    });
  }

  async function postSdp(url, token, sdp) {
    const response = await fetch(url, {
      method: 'POST',
      headers: {'Content-Type': 'application/sdp', 'Authorization': 'Bearer ' + token},
      body: sdp,
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`POST ${url} -> ${response.status}: ${text.slice(0, 300)}`);
    const location = response.headers.get('Location');
    if (!location) throw new Error(`POST ${url} -> 201 without Location`);
    return {answer: text, location: new URL(location, url).href, etag: response.headers.get('ETag')};
  }

  function attachVideo(pc) {
    // A sink for the received video, so Chromium decodes it (framesDecoded).
    const video = document.createElement('video');
    video.autoplay = true; video.muted = true; video.playsInline = true;
    document.body.appendChild(video);
    const stream = new MediaStream();
    pc.addEventListener('track', (event) => {
      stream.addTrack(event.track);
      video.srcObject = stream;
      video.play().catch(() => {});
    });
  }

  // WHIP: getUserMedia (fake device) -> sendonly transceivers -> POST /whip/{room}.
  async function publish(name, baseUrl, room, token, constraints) {
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
    for (const track of stream.getTracks()) pc.addTransceiver(track, {direction: 'sendonly', streams: [stream]});
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceGathering(pc, 3000);
    const {answer, location, etag} = await postSdp(`${baseUrl}/whip/${room}`, token, pc.localDescription.sdp);
    await pc.setRemoteDescription({type: 'answer', sdp: answer});
    sessions[name] = {pc, location, token, stream, etag};
    await waitConnected(pc, 15000);
    return {location, resourceId: new URL(location).pathname.replace(/\/$/, '').split('/').pop()};
  }

  // WHEP: recvonly transceivers -> POST /whep/{room}/{resourceId}.
  async function play(name, baseUrl, room, resourceId, token) {
    const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
    pc.addTransceiver('video', {direction: 'recvonly'});
    pc.addTransceiver('audio', {direction: 'recvonly'});
    attachVideo(pc);
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceGathering(pc, 3000);
    const {answer, location, etag} = await postSdp(`${baseUrl}/whep/${room}/${resourceId}`, token, pc.localDescription.sdp);
    await pc.setRemoteDescription({type: 'answer', sdp: answer});
    sessions[name] = {pc, location, token, etag};
    await waitConnected(pc, 15000);
    return {location};
  }

  // ICE restart over WHIP/WHEP PATCH (RFC 9725 §4.4.2): new local credentials in an sdpfrag with
  // If-Match "*", the server's new ones in the 200's sdpfrag, put into the answer we hold.
  async function restartIce(name) {
    const session = sessions[name];
    if (!session) throw new Error('no session ' + name);
    const {pc} = session;
    pc.restartIce();
    await pc.setLocalDescription(await pc.createOffer());
    await waitIceGathering(pc, 3000);
    const offer = pc.localDescription.sdp;
    const line = (sdp, name) => (sdp.match(new RegExp(`a=${name}:(.*)`)) || [])[1].trim();
    const mids = [...offer.matchAll(/a=mid:(.*)/g)].map((m) => m[1].trim());
    const fragment = `a=ice-ufrag:${line(offer, 'ice-ufrag')}\r\na=ice-pwd:${line(offer, 'ice-pwd')}\r\n`
      + `a=group:BUNDLE ${mids.join(' ')}\r\n`
      + (offer.match(/a=candidate:.*/g) || []).map((c) => c.trim() + '\r\n').join('');
    const response = await fetch(session.location, {
      method: 'PATCH',
      headers: {'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': '"*"', 'Authorization': 'Bearer ' + session.token},
      body: fragment,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`PATCH ${session.location} -> ${response.status}: ${text.slice(0, 300)}`);
    const previousTag = session.etag;
    session.etag = response.headers.get('ETag');
    const answer = pc.currentRemoteDescription.sdp
      .replace(/a=ice-ufrag:.*/g, `a=ice-ufrag:${line(text, 'ice-ufrag')}`)
      .replace(/a=ice-pwd:.*/g, `a=ice-pwd:${line(text, 'ice-pwd')}`);
    await pc.setRemoteDescription({type: 'answer', sdp: answer});
    await waitConnected(pc, 15000);
    return {status: response.status, fragment: text, etag: session.etag, previousTag,
            contentType: response.headers.get('Content-Type')};
  }

  // A raw PATCH of a session (for the protocol checks): returns the status.
  async function patch(name, ifMatch, body) {
    const session = sessions[name];
    const headers = {'Content-Type': 'application/trickle-ice-sdpfrag', 'Authorization': 'Bearer ' + session.token};
    if (ifMatch !== null) headers['If-Match'] = ifMatch === 'current' ? session.etag : ifMatch;
    const response = await fetch(session.location, {method: 'PATCH', headers, body});
    return response.status;
  }

  // DELETE the session resource and close the peer connection; returns the HTTP status.
  async function stop(name) {
    const session = sessions[name];
    if (!session) return null;
    delete sessions[name];
    let status = null;
    if (session.location) {
      const response = await fetch(session.location, {method: 'DELETE', headers: {'Authorization': 'Bearer ' + session.token}});
      status = response.status;
    }
    session.pc.close();
    if (session.stream) session.stream.getTracks().forEach((t) => t.stop());
    return status;
  }

  // The numbers the tests read: outbound video bytes (publisher), framesDecoded (player).
  async function stats(name) {
    const session = sessions[name];
    if (!session) throw new Error('no session ' + name);
    const report = await session.pc.getStats();
    const out = {connectionState: session.pc.connectionState, outboundVideo: null, inboundVideo: null,
                 inboundAudio: null, availableOutgoingBitrate: null};
    report.forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') {
        out.outboundVideo = {bytesSent: s.bytesSent, framesEncoded: s.framesEncoded, timestamp: s.timestamp,
                             targetBitrate: s.targetBitrate, frameWidth: s.frameWidth, frameHeight: s.frameHeight,
                             qualityLimitationReason: s.qualityLimitationReason, nackCount: s.nackCount,
                             retransmittedPacketsSent: s.retransmittedPacketsSent, encoderImplementation: s.encoderImplementation};
      } else if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.inboundVideo = {framesDecoded: s.framesDecoded, framesReceived: s.framesReceived, bytesReceived: s.bytesReceived,
                            packetsLost: s.packetsLost, nackCount: s.nackCount, frameWidth: s.frameWidth, timestamp: s.timestamp};
      } else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.inboundAudio = {packetsReceived: s.packetsReceived, totalSamplesReceived: s.totalSamplesReceived};
      } else if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
        out.availableOutgoingBitrate = s.availableOutgoingBitrate ?? null;
      }
    });
    return out;
  }

  // Self-check only: the same publish/play shape, but both peers in this page, no server.
  async function loopback(constraints) {
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    const sender = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
    const receiver = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
    for (const track of stream.getTracks()) sender.addTransceiver(track, {direction: 'sendonly', streams: [stream]});
    attachVideo(receiver);
    sender.addEventListener('icecandidate', (e) => e.candidate && receiver.addIceCandidate(e.candidate));
    receiver.addEventListener('icecandidate', (e) => e.candidate && sender.addIceCandidate(e.candidate));
    await sender.setLocalDescription(await sender.createOffer());
    await receiver.setRemoteDescription(sender.localDescription);
    await receiver.setLocalDescription(await receiver.createAnswer());
    await sender.setRemoteDescription(receiver.localDescription);
    sessions['loop-sender'] = {pc: sender, stream};
    sessions['loop-receiver'] = {pc: receiver};
    await Promise.all([waitConnected(sender, 15000), waitConnected(receiver, 15000)]);
    const tracks = stream.getTracks().map((t) => ({kind: t.kind, label: t.label, settings: t.getSettings()}));
    return {tracks, candidates: (sender.localDescription.sdp.match(/a=candidate:.*/g) || [])};
  }

  return {publish, play, stop, stats, loopback, restartIce, patch};
})();
