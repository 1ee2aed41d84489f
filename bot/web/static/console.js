// The operator console: ask for suggestions while the operator types, render them, fill the ticket form.
const csrf = document.querySelector('meta[name=csrf-token]').content;
const box = document.getElementById('caller-text');
const state = document.getElementById('suggest-state');
let timer = null, inflight = null, last = null;
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
const list = v => (v && v.length) ? v.map(esc).join('，') : '<span class="muted">未识别</span>';
function render(s) {
  last = s;
  document.getElementById('suggestions').hidden = false;
  document.getElementById('appeal-type').textContent = NAMES[s.appeal_type] || s.appeal_type;
  document.getElementById('categories').innerHTML = s.categories.map((c, i) =>
    `<span class="pill${i === 0 ? ' top' : ''}" data-code="${esc(c.code)}">${esc(c.name)} ${Math.round(c.confidence * 100)}%</span>`).join('');
  const a = s.address;
  document.getElementById('address').innerHTML = a.raw ? `${esc(a.full)}${a.community_name ? `（${esc(a.community_name)}）` : ''}` : list([]);
  document.getElementById('phone').innerHTML = list(s.entities.phone);
  document.getElementById('time').innerHTML = list(s.entities.time);
  document.getElementById('plate').innerHTML = list(s.entities.plate);
  document.getElementById('department').textContent = s.department.name;
  document.getElementById('similar').innerHTML = s.similar_tickets.length ? s.similar_tickets.map(t =>
    `<div class="similar" data-number="${esc(t.number)}"><strong>${esc(t.number)}</strong> · ${esc(t.category_name)} · ${esc(t.status_name)}<br>
     <span class="muted">${esc(t.address_full)}：${esc(t.description)}</span><br>
     <button class="small attach" type="button" data-number="${esc(t.number)}">并入此单（重复件）</button></div>`).join('')
    : '<p class="muted">附近没有同类在办工单</p>';
  document.getElementById('knowledge').innerHTML = s.knowledge.length ? s.knowledge.map(k =>
    `<div class="reply"><strong>【${esc(k.kind_name)}】${esc(k.title)}</strong><br>${esc(k.answer)}</div>`).join('')
    : '<p class="muted">知识库中没有相关答复</p>';
  document.getElementById('replies').innerHTML = s.replies.map(r =>
    `<div class="reply">${esc(r)} <button class="small copy" type="button">复制</button></div>`).join('');
  state.textContent = `已分析（${s.elapsed_ms} 毫秒）${s.truncated ? '，内容较长，只分析了前 2000 字' : ''}`;
}
async function ask() {
  const text = box.value.trim();
  if (!text) { state.textContent = '请输入来电人反映的内容'; return; }
  if (inflight) inflight.abort();
  inflight = new AbortController();
  state.textContent = '分析中…';
  try {
    const r = await fetch('/api/v1/suggest', {method: 'POST', signal: inflight.signal,
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify({text})});
    const body = await r.json();
    if (!r.ok) { state.textContent = body.error || '暂时无法分析，请稍后再试'; return; }
    render(body);
  } catch (e) { if (e.name !== 'AbortError') state.textContent = '网络异常，请稍后再试'; }
}
box.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(ask, 250); });
document.getElementById('open-ticket').addEventListener('click', () => {
  const form = document.getElementById('ticket-form');
  form.hidden = false;
  form.handoff_id.value = '';  // a phone call, not a chat handed to a clerk
  form.description.value = box.value.trim();
  if (last) {
    form.category.value = last.categories[0].code;
    form.category_confidence.value = last.categories[0].confidence;
    form.suggested_category.value = last.categories[0].code;
    form.appeal_type.value = last.appeal_type;
    form.address.value = last.address.raw || '';
    form.contact_phone.value = last.entities.phone[0] || '';
    form.occurred_at.value = last.entities.time[0] || '';
  }
  form.scrollIntoView();
  form.address.focus();
});
document.addEventListener('click', e => {
  if (e.target.classList.contains('attach')) {
    const form = document.getElementById('attach-form');
    form.number.value = e.target.dataset.number;
    form.text.value = box.value.trim();
    form.submit();
  } else if (e.target.classList.contains('copy')) {
    navigator.clipboard && navigator.clipboard.writeText(e.target.parentElement.firstChild.textContent.trim());
    e.target.textContent = '已复制';
  }
});
