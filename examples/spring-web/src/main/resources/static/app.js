// The page: one conversation, each turn's events over server-sent events, approvals as buttons.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  let conversation = null;

  function add(list, text, cls) {
    const li = document.createElement('li');
    li.textContent = text;
    if (cls) li.className = cls;
    $(list).appendChild(li);
    return li;
  }

  async function post(url, body) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? '{}' : JSON.stringify(body)
    });
    if (!res.ok && res.status !== 202) throw new Error(url + ': HTTP ' + res.status);
    return res.status === 202 ? null : res.json();
  }

  function showApproval(a) {
    const box = $('approvals');
    const empty = box.querySelector('.empty');
    if (empty) empty.remove();
    const card = document.createElement('div');
    card.className = 'approval';
    card.id = 'approval-' + a.approvalId;
    card.dataset.approvalId = a.approvalId;
    const what = document.createElement('div');
    what.textContent = 'codex asks to run:';
    const cmd = document.createElement('code');
    cmd.textContent = a.title;
    const why = document.createElement('div');
    why.textContent = a.reason ? 'because: ' + a.reason : '';
    const approve = document.createElement('button');
    approve.textContent = 'Approve';
    approve.className = 'approve';
    const deny = document.createElement('button');
    deny.textContent = 'Deny';
    deny.className = 'deny';
    const answer = async (yes) => {
      approve.disabled = deny.disabled = true;
      try {
        await post('/api/approvals/' + encodeURIComponent(a.approvalId), { approve: yes });
      } catch (e) {
        settle(a.approvalId, 'not sent: ' + e.message);
      }
    };
    approve.onclick = () => answer(true);
    deny.onclick = () => answer(false);
    card.append(what, cmd, why, approve, deny);
    box.appendChild(card);
  }

  function settle(approvalId, text) {
    const card = $('approval-' + approvalId);
    if (!card) return;
    card.classList.add('answered');
    card.querySelectorAll('button').forEach((b) => b.remove());
    const note = document.createElement('div');
    note.className = 'outcome';
    note.textContent = text;
    card.appendChild(note);
  }

  function showTranscript(entries) {
    const list = $('transcript');
    list.replaceChildren();
    entries.forEach((e) => {
      const li = document.createElement('li');
      const role = document.createElement('span');
      role.className = 'role';
      role.textContent = e.role;
      li.append(role, document.createTextNode(' ' + e.text));
      list.appendChild(li);
    });
  }

  // one turn's events, from the starter's TurnSse: named by kind, data as TurnEventView gives it
  function listen(id) {
    const source = new EventSource('/api/conversations/' + encodeURIComponent(id) + '/turn/events');
    const on = (name, f) => source.addEventListener(name, (ev) => f(JSON.parse(ev.data)));
    let streaming = null;
    on('itemStarted', (d) => {
      if (d.type === 'commandExecution') add('progress', '$ ' + d.command);
    });
    on('commandOutputDelta', (d) => add('progress', d.text, 'output'));
    on('approvalRequested', (d) => {
      $('status').textContent = 'waiting for your approval';
      add('progress', 'approval asked: ' + d.title);
      showApproval(d);
    });
    on('approvalAnswered', (d) => {
      settle(d.approvalId, d.choice === 'DENY' ? 'Denied' : 'Approved');
      $('status').textContent = 'codex is working';
    });
    on('approvalWithdrawn', (d) => settle(d.approvalId, 'Withdrawn by codex'));
    on('agentMessageDelta', (d) => {
      if (!streaming || streaming.dataset.itemId !== d.itemId) {
        streaming = add('progress', 'codex: ', 'streaming');
        streaming.dataset.itemId = d.itemId;
      }
      streaming.textContent += d.text;
      $('reply').textContent += d.text;
    });
    on('itemCompleted', (d) => {
      if (d.type === 'commandExecution') {
        add('progress', 'command ' + d.status + (d.exitCode !== '' ? ' (exit ' + d.exitCode + ')' : '')
            + (d.output ? ':\n' + d.output : ''), 'command-result');
      } else if (d.type === 'agentMessage') {
        if (!streaming || streaming.dataset.itemId !== d.itemId) add('progress', 'codex: ' + d.text);
        streaming = null;
      }
    });
    on('ended', (d) => {
      source.close();   // the turn's stream is done; EventSource would otherwise reconnect
      $('status').textContent = 'turn ' + d.status;
      $('reply').textContent = d.finalText || d.error;
      showTranscript(d.transcript);
      $('send').disabled = false;
    });
    on('failed', (d) => {
      source.close();
      $('status').textContent = 'turn failed: ' + d.message;
      $('send').disabled = false;
    });
  }

  $('composer').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = $('message').value.trim();
    if (!text) return;
    $('send').disabled = true;
    try {
      if (!conversation) {
        $('status').textContent = 'starting codex thread';
        conversation = (await post('/api/conversations')).id;
        $('send').textContent = 'Send';
      }
      await post('/api/conversations/' + encodeURIComponent(conversation) + '/messages', { text: text });
      $('status').textContent = 'codex is working';
      $('reply').textContent = '';
      add('progress', 'you: ' + text);
      listen(conversation);
    } catch (e) {
      $('status').textContent = 'error: ' + e.message;
      $('send').disabled = false;
    }
  });
})();
