// 人工会话: the queue of chats handed to a clerk, polled every few seconds; one conversation with its
// transcript, suggested replies for what the resident said, reply, open a ticket, hand back to the bot.
(() => {
  const csrf = document.querySelector('meta[name=csrf-token]').content;
  const $ = id => document.getElementById(id);
  const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
  const POLL_MS = 3000;
  let current = null, shown = null, suggestedFor = null, suggestion = null;

  const minutes = s => s < 60 ? `${s} 秒` : s < 3600 ? `${Math.floor(s / 60)} 分钟` : `${Math.floor(s / 3600)} 小时 ${Math.floor(s % 3600 / 60)} 分`;
  async function call(method, url, body) {
    const r = await fetch(url, {method, headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
      body: body === undefined ? undefined : JSON.stringify(body)});
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.error || `操作失败（${r.status}），请稍后再试`);
    return data;
  }
  function showError(message) { const e = $('hv-error'); e.textContent = message || ''; e.hidden = !message; }

  function renderQueue(list) {
    $('handoff-count').textContent = list.length;
    const waiting = list.filter(h => h.state === 'waiting').length;
    $('handoff-state').textContent = list.length ? `${waiting} 个会话等待接入，${list.length - waiting} 个正在服务` : '暂无转人工的会话';
    $('handoff-queue').innerHTML = list.map(h => `<button type="button" class="hq ${esc(h.state)}${h.id === current ? ' open' : ''}" data-id="${h.id}">
      <strong>${esc(h.state_name)}</strong> · ${esc(h.channel_name)} · ${esc(h.reason_name)}<br>
      <span class="muted">${h.state === 'waiting' ? '已等待 ' + minutes(h.waiting_seconds) : '话务员 ' + esc(h.operator)}${h.awaiting_reply ? ' · <b>居民有新消息</b>' : ''}</span><br>
      <span class="muted">${esc(h.latest ? h.latest.text : '')}</span></button>`).join('');
  }

  function residentText(h) { return h.messages.filter(m => m.author === 'resident').map(m => m.text).join('\n'); }

  function renderView(h) {
    shown = h;
    $('handoff-view').hidden = false;
    $('hv-title').textContent = `${h.channel_name}居民 · ${h.state_name}`;
    $('hv-meta').textContent = `${h.reason_name} · ${h.created_at_text} 转入 · 会话标识 ${h.sender_id}` +
      (h.operator ? ` · 话务员 ${h.operator}` : '') + (h.ticket_number ? ` · 已建工单 ${h.ticket_number}` : '');
    const box = $('hv-transcript');
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
    // No whitespace between the tags: a line keeps the resident's own line breaks (pre-wrap).
    box.innerHTML = h.messages.map(m => `<div class="line ${esc(m.author)}" data-id="${m.id}">` +
      `<span class="who">${esc(m.author_name)}${m.operator && m.author === 'operator' ? ' ' + esc(m.operator) : ''} · ${esc(m.at_text)}</span>\n` +
      `<span class="text">${esc(m.text)}</span>` +
      (m.delivery ? `\n<span class="delivery ${esc(m.delivery.state)}">${esc(m.delivery.text)}</span>` : '') + '</div>').join('');
    if (atBottom) box.scrollTop = box.scrollHeight;
    const closed = h.state === 'closed';
    $('hv-take').hidden = h.state !== 'waiting';
    for (const id of ['hv-send', 'hv-handback', 'hv-reply']) $(id).disabled = closed;
    const text = residentText(h);
    if (text && text !== suggestedFor) suggest(text);
  }

  async function suggest(text) {
    suggestedFor = text;
    try {
      suggestion = await call('POST', '/api/v1/suggest', {text});
      $('hv-suggest').innerHTML = [...suggestion.replies, ...suggestion.knowledge.map(k => k.answer)].map(r =>
        `<div class="reply"><span>${esc(r)}</span> <button class="small use-reply" type="button">用这条</button></div>`).join('')
        || '<p class="muted">没有参考回复</p>';
    } catch (e) { $('hv-suggest').innerHTML = `<p class="muted">${esc(e.message)}</p>`; }
  }

  async function refresh() {
    try {
      renderQueue((await call('GET', '/api/v1/handoffs')).handoffs);
      if (current !== null) renderView(await call('GET', `/api/v1/handoffs/${current}`));
    } catch (e) { $('handoff-state').textContent = e.message || '网络异常，稍后自动重试'; }
  }

  async function open(id) { current = id; suggestedFor = null; showError(''); await refresh(); }

  async function act(method, url, body) {
    showError('');
    try { await call(method, url, body); return true; } catch (e) { showError(e.message); await refresh(); return false; }
  }

  document.addEventListener('click', async e => {
    const item = e.target.closest('.hq');
    if (item) { open(Number(item.dataset.id)); return; }
    if (e.target.classList.contains('use-reply')) { $('hv-reply').value = e.target.previousElementSibling.textContent; $('hv-reply').focus(); }
  });
  $('hv-take').addEventListener('click', async () => { if (await act('POST', `/api/v1/handoffs/${current}/take`)) refresh(); });
  $('hv-send').addEventListener('click', async () => {
    const text = $('hv-reply').value;
    if (!text.trim()) { showError('请先输入回复内容'); return; }
    if (await act('POST', `/api/v1/handoffs/${current}/replies`, {text})) { $('hv-reply').value = ''; refresh(); }
  });
  $('hv-handback').addEventListener('click', async () => {
    if (await act('POST', `/api/v1/handoffs/${current}/handback`)) refresh();
  });
  $('hv-ticket').addEventListener('click', () => {
    if (!shown) return;
    const form = $('ticket-form');
    form.hidden = false;
    form.handoff_id.value = shown.id;
    form.description.value = residentText(shown);
    const s = suggestion;
    if (s && suggestedFor === form.description.value) {
      form.category.value = s.categories[0].code;
      form.category_confidence.value = s.categories[0].confidence;
      form.suggested_category.value = s.categories[0].code;
      form.appeal_type.value = s.appeal_type;
      form.address.value = s.address.raw || '';
      form.contact_phone.value = s.entities.phone[0] || '';
      form.occurred_at.value = s.entities.time[0] || '';
    }
    form.scrollIntoView();
    form.address.focus();
  });

  const asked = new URLSearchParams(location.search).get('handoff');
  if (asked && /^\d+$/.test(asked)) current = Number(asked);
  refresh();
  setInterval(refresh, POLL_MS);
})();
