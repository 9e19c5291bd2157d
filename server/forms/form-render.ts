/**
 * What a visitor sees of a web form: the hosted page (plain HTML, no script: it works with
 * JavaScript off), the snippet an admin pastes into a site (a `<form method="post">`), the
 * script that renders the form inside a page and posts it with fetch, and the form's public
 * definition that script reads.
 */
import { randomBytes } from 'node:crypto';
import { controlFields } from '../../connectors/web-form.ts';
import type { FieldProblem } from '../platform/errors.ts';
import type { ResolvedField, WebForm } from './forms.ts';

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const html = (text: unknown) => String(text ?? '').replace(/[&<>"']/g, (c) => escapes[c] as string);

export interface PublicField {
  name: string;
  label: string;
  input: 'text' | 'email' | 'tel' | 'url' | 'number' | 'date' | 'textarea' | 'checkbox' | 'select';
  required: boolean;
  multiple: boolean;
  choices: string[];
}

function inputOf(field: ResolvedField): PublicField['input'] {
  switch (field.definition.type) {
    case 'email':
      return 'email';
    case 'phone':
      return 'tel';
    case 'url':
      return 'url';
    case 'number':
    case 'currency':
    case 'percentage':
    case 'rating':
      return 'number';
    case 'date':
      return 'date';
    case 'longText':
      return 'textarea';
    case 'boolean':
      return 'checkbox';
    case 'dropdown':
      return Array.isArray(field.definition.options.choices) ? 'select' : 'text';
    default:
      return 'text';
  }
}

/** The visible fields as a page or a script draws them (hidden ones never leave the server). */
export function publicFields(fields: ResolvedField[]): PublicField[] {
  return fields
    .filter((field) => !field.hidden)
    .map((field) => ({
      name: field.name,
      label: field.label || field.definition.label,
      input: inputOf(field),
      required: field.required ?? false,
      multiple: field.definition.options.multiple === true,
      choices: Array.isArray(field.definition.options.choices)
        ? (field.definition.options.choices as unknown[]).map(String)
        : [],
    }));
}

const style = `
  body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
  main{max-width:34rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;box-shadow:0 1px 3px #0002}
  h1{font-size:1.35rem;margin:0 0 1rem}
  .weft-field{margin:0 0 .9rem}
  .weft-field label{display:block;font-weight:600;margin-bottom:.25rem}
  .weft-field input:not([type=checkbox]),.weft-field select,.weft-field textarea{width:100%;box-sizing:border-box;padding:.45rem .55rem;border:1px solid #c4c9d0;border-radius:5px;font:inherit}
  .weft-field.invalid input,.weft-field.invalid select,.weft-field.invalid textarea{border-color:#c92a2a}
  .weft-error{color:#c92a2a;font-size:.85rem;margin-top:.2rem}
  .weft-alert{background:#fff5f5;border:1px solid #ffc9c9;color:#c92a2a;padding:.6rem .8rem;border-radius:5px;margin-bottom:1rem}
  .weft-hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
  button{background:#1c7ed6;color:#fff;border:0;border-radius:5px;padding:.55rem 1.2rem;font:inherit;cursor:pointer}
  .req{color:#c92a2a}`;

function fieldHtml(field: PublicField, value: unknown, error: string | undefined): string {
  const id = `weft-${field.name.replace(/\W/g, '-')}`;
  const required = field.required ? ' required' : '';
  const described = error ? ` aria-invalid="true" aria-describedby="${id}-error"` : '';
  const text = Array.isArray(value) ? value.join(', ') : String(value ?? '');
  let control: string;
  if (field.input === 'textarea')
    control = `<textarea id="${id}" name="${html(field.name)}" rows="5"${required}${described}>${html(text)}</textarea>`;
  else if (field.input === 'checkbox')
    control = `<input id="${id}" type="checkbox" name="${html(field.name)}" value="on"${value === true || text === 'on' ? ' checked' : ''}${required}${described}>`;
  else if (field.input === 'select') {
    const chosen = new Set(Array.isArray(value) ? value.map(String) : [text]);
    const options = field.choices
      .map((choice) => `<option${chosen.has(choice) ? ' selected' : ''}>${html(choice)}</option>`)
      .join('');
    control = `<select id="${id}" name="${html(field.name)}"${field.multiple ? ' multiple' : ''}${required}${described}>${field.multiple ? '' : '<option value=""></option>'}${options}</select>`;
  } else
    control = `<input id="${id}" type="${field.input}" name="${html(field.name)}" value="${html(text)}"${field.input === 'number' ? ' step="any"' : ''}${required}${described}>`;
  return `<div class="weft-field${error ? ' invalid' : ''}"><label for="${id}">${html(field.label)}${field.required ? ' <span class="req">*</span>' : ''}</label>${control}${error ? `<div class="weft-error" id="${id}-error">${html(error)}</div>` : ''}</div>`;
}

/** The `<form>` itself: the hosted page and the snippet share it. */
export function formHtml(
  form: WebForm,
  fields: PublicField[],
  action: string,
  extra: {
    stamp?: string;
    /** The static snippet: empty stamp and key fields its script fills in (`stampScript`). */
    stampSlots?: boolean;
    values?: Record<string, unknown>;
    problems?: FieldProblem[];
  } = {},
): string {
  const errors = new Map((extra.problems ?? []).map((problem) => [problem.field, problem.reason]));
  const general = (extra.problems ?? []).filter(
    (problem) => !fields.some((field) => field.name === problem.field),
  );
  const controls = [
    `<div class="weft-hp" aria-hidden="true"><label>Leave this empty<input type="text" name="${controlFields.honeypot}" tabindex="-1" autocomplete="off"></label></div>`,
    extra.stamp ? `<input type="hidden" name="${controlFields.stamp}" value="${html(extra.stamp)}">` : '',
    extra.stamp
      ? `<input type="hidden" name="${controlFields.key}" value="${randomBytes(18).toString('base64url')}">`
      : '',
    extra.stampSlots
      ? `<input type="hidden" name="${controlFields.stamp}" value=""><input type="hidden" name="${controlFields.key}" value="">`
      : '',
  ].join('');
  return [
    `<form method="post" action="${html(action)}" accept-charset="utf-8" class="weft-form" data-weft-form="${form.id}" novalidate>`,
    general.length > 0
      ? `<div class="weft-alert" role="alert">${general.map((p) => html(p.reason)).join('<br>')}</div>`
      : '',
    ...fields.map((field) => fieldHtml(field, extra.values?.[field.name], errors.get(field.name))),
    controls,
    `<button type="submit">${html(form.settings.submitLabel ?? 'Submit')}</button>`,
    '</form>',
  ].join('\n');
}

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${html(title)}</title><style>${style}</style></head><body><main>${body}</main></body></html>`;
}

export function hostedPage(
  form: WebForm,
  fields: PublicField[],
  action: string,
  extra: Parameters<typeof formHtml>[3] = {},
): string {
  const alert = (extra.problems ?? []).some((problem) => fields.some((field) => field.name === problem.field))
    ? '<div class="weft-alert" role="alert">Please correct the fields marked below.</div>'
    : '';
  return page(form.name, `<h1>${html(form.name)}</h1>${alert}${formHtml(form, fields, action, extra)}`);
}

export const thanksPage = (form: WebForm) =>
  page(
    form.name,
    `<h1>${html(form.name)}</h1><p role="status">${html(form.settings.thankYou ?? 'Thank you.')}</p>`,
  );

/** The copy-paste snippets the builder shows. */
export function snippets(form: WebForm, fields: PublicField[], base: string) {
  const action = `${base}/api/public/forms/${form.id}/submit`;
  return {
    hostedUrl: `${base}/api/public/forms/${form.id}`,
    html: `<style>.weft-hp{position:absolute;left:-10000px}</style>\n${formHtml(form, fields, action, { stampSlots: true })}\n${stampScript(form.id, base)}`,
    script: `<div data-weft-form="${form.id}"></div>\n<script src="${base}/api/public/forms/${form.id}/embed.js" async></script>`,
  };
}

/**
 * The static snippet's few lines of script: the rendering's fill-time stamp and key, fetched
 * when the page loads (a pasted snippet cannot carry its own). With scripts off (or refused by
 * the site's CSP) the post goes without, and Weft answers with the form to send again.
 */
export function stampScript(formId: string, base: string): string {
  const url = `${base}/api/public/forms/${formId}/stamp`;
  return `<script>(function(f){fetch(${JSON.stringify(url)}).then(function(r){return r.json()}).then(function(s){f.elements.${controlFields.stamp}.value=s.stamp;f.elements.${controlFields.key}.value=s.key}).catch(function(){})})(document.currentScript.previousElementSibling)</script>`;
}

/**
 * The embed script: draws the form into `[data-weft-form=<id>]` (or after the script tag),
 * posts JSON with fetch (multipart when the container says data-weft-encoding="multipart"),
 * shows each field's error under it and the thank-you message, or follows the redirect.
 */
export function embedScript(formId: string, base: string): string {
  return `(function(){
var id=${JSON.stringify(formId)},base=${JSON.stringify(base)};
var me=document.currentScript;
function el(t,a,k){var e=document.createElement(t);for(var n in a||{})e.setAttribute(n,a[n]);(k||[]).forEach(function(c){e.appendChild(typeof c==="string"?document.createTextNode(c):c)});return e}
function start(){
var box=document.querySelector('[data-weft-form="'+id+'"]');
if(!box){box=el("div");me.parentNode.insertBefore(box,me.nextSibling)}
fetch(base+"/api/public/forms/"+id+"/definition").then(function(r){return r.json()}).then(function(def){draw(box,def)}).catch(function(){box.textContent="The form could not be loaded."})}
function draw(box,def){
var form=el("form",{"class":"weft-form",novalidate:""});var errs={};
def.fields.forEach(function(f){
var fid="weft-"+id.slice(0,8)+"-"+f.name.replace(/\\W/g,"-"),c;
if(f.input==="textarea")c=el("textarea",{id:fid,name:f.name,rows:"5"});
else if(f.input==="select"){c=el("select",{id:fid,name:f.name});if(f.multiple)c.multiple=true;else c.appendChild(el("option",{value:""}));f.choices.forEach(function(o){c.appendChild(el("option",{},[o]))})}
else if(f.input==="checkbox")c=el("input",{id:fid,type:"checkbox",name:f.name,value:"on"});
else c=el("input",{id:fid,type:f.input,name:f.name});
if(f.required)c.required=true;
var lab=el("label",{"for":fid},[f.label+(f.required?" *":"")]);
var err=el("div",{"class":"weft-error",role:"alert"});errs[f.name]=err;
form.appendChild(el("div",{"class":"weft-field",style:"margin:0 0 .8rem"},[lab,el("br"),c,err]))});
var hp=el("input",{type:"text",name:${JSON.stringify(controlFields.honeypot)},tabindex:"-1",autocomplete:"off"});
form.appendChild(el("div",{style:"position:absolute;left:-10000px","aria-hidden":"true"},[hp]));
var key=Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(18)),function(b){return("0"+b.toString(16)).slice(-2)}).join("");
var general=el("div",{"class":"weft-error",role:"alert"});form.appendChild(general);
var btn=el("button",{type:"submit"},[def.submitLabel]);form.appendChild(btn);
form.addEventListener("submit",function(ev){ev.preventDefault();btn.disabled=true;general.textContent="";
Object.keys(errs).forEach(function(k){errs[k].textContent=""});
var multipart=box.getAttribute("data-weft-encoding")==="multipart",body,headers={};
var vid=(document.cookie.match(/(?:^|; )weft_vid=([^;]+)/)||[])[1];
if(multipart){body=new FormData(form);body.append(${JSON.stringify(controlFields.stamp)},def.stamp);body.append(${JSON.stringify(controlFields.key)},key);if(vid)body.append("_weft_vid",decodeURIComponent(vid))}
else{var o={};new FormData(form).forEach(function(v,k){if(o[k]===undefined)o[k]=v;else o[k]=[].concat(o[k],v)});o[${JSON.stringify(controlFields.stamp)}]=def.stamp;o[${JSON.stringify(controlFields.key)}]=key;if(vid)o._weft_vid=decodeURIComponent(vid);body=JSON.stringify(o);headers["content-type"]="application/json"}
fetch(base+"/api/public/forms/"+id+"/submit",{method:"POST",body:body,headers:headers}).then(function(r){return r.json().then(function(j){return{ok:r.ok,j:j}})}).then(function(res){btn.disabled=false;
if(res.ok){if(res.j.redirect){window.location.href=res.j.redirect;return}box.innerHTML="";box.appendChild(el("p",{role:"status","class":"weft-thanks"},[res.j.message]));return}
var d=(res.j.error&&res.j.error.details)||[];var shown=false;d.forEach(function(p){if(errs[p.field]){errs[p.field].textContent=p.reason;shown=true}});
if(!shown)general.textContent=(res.j.error&&res.j.error.message)||"The form could not be sent."}).catch(function(){btn.disabled=false;general.textContent="The form could not be sent: check your connection."})});
box.innerHTML="";box.appendChild(form)}
if(document.readyState==="loading")document.addEventListener("DOMContentLoaded",start);else start();
})();`;
}
