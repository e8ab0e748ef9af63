#include <boost/json.hpp>
#include <fmt/format.h>

#include "benchkit/report.hpp"

namespace sluice::benchkit {
namespace {

std::string escape_html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// JSON inside <script>: "</" would end the element early.
std::string script_safe(std::string json) {
  for (std::size_t p = 0; (p = json.find("</", p)) != std::string::npos; p += 3) json.replace(p, 2, "<\\/");
  return json;
}

constexpr const char* style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:980px;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}.share{font-size:1.3em;font-weight:600}
.chart svg{background:#fafafa;border:1px solid #ddd}.best{background:#eef7ee}
.axis{font-size:11px;fill:#555}
)";

// Draws every chart from the embedded report; each chart element gets data-drawn = the number of
// marks drawn, and <body> data-charts = the number of charts, so a headless browser can check.
constexpr const char* script = R"JS(
(function(){
var R=JSON.parse(document.getElementById('report').textContent);
var NS='http://www.w3.org/2000/svg';
function el(n,a,p){var e=document.createElementNS(NS,n);for(var k in a)e.setAttribute(k,a[k]);if(p)p.appendChild(e);return e;}
function text(p,x,y,s,anchor){var t=el('text',{x:x,y:y,'class':'axis','text-anchor':anchor||'start'},p);t.textContent=s;return t;}
function svg(id){var c=document.getElementById(id);var s=el('svg',{width:900,height:260,viewBox:'0 0 900 260'},c);return [c,s];}
var colors=['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f','#bcbd22','#17becf'];
var drawn=0;
function throughput(){
  var cs=svg('chart-throughput'),c=cs[0],s=cs[1],marks=0,maxT=0,maxR=1,series=[];
  R.runs.forEach(function(run){var pts=[];var tl=run.timeline;
    for(var i=1;i<tl.length;i++){var dt=tl[i][0]-tl[i-1][0];if(dt<=0)continue;var r=(tl[i][1]-tl[i-1][1])/dt;pts.push([tl[i][0],r]);maxT=Math.max(maxT,tl[i][0]);maxR=Math.max(maxR,r);}
    series.push(pts);});
  if(R.ceiling.rows_per_s>0)maxR=Math.max(maxR,R.ceiling.rows_per_s);
  var X=function(t){return 60+t/(maxT||1)*820;},Y=function(r){return 230-r/maxR*210;};
  el('line',{x1:60,y1:230,x2:880,y2:230,stroke:'#999'},s);el('line',{x1:60,y1:20,x2:60,y2:230,stroke:'#999'},s);
  text(s,64,14,Math.round(maxR).toLocaleString()+' rows/s');text(s,880,248,maxT.toFixed(1)+' s','end');
  if(R.ceiling.rows_per_s>0){el('line',{x1:60,x2:880,y1:Y(R.ceiling.rows_per_s),y2:Y(R.ceiling.rows_per_s),stroke:'#c00','stroke-dasharray':'4 3'},s);
    text(s,875,Y(R.ceiling.rows_per_s)-4,'database ceiling','end');}
  series.forEach(function(pts,i){if(!pts.length)return;
    el('polyline',{fill:'none',stroke:colors[i%10],'stroke-width':1.5,points:pts.map(function(p){return X(p[0]).toFixed(1)+','+Y(p[1]).toFixed(1);}).join(' ')},s);marks++;
    if(R.runs.length>1){var st=R.runs[i].settings;var t=text(s,200,14+i*13,Object.keys(st).map(function(k){return k+'='+st[k];}).join(' '));t.setAttribute('fill',colors[i%10]);}});
  c.setAttribute('data-drawn',marks);drawn++;
}
function latency(){
  var cs=svg('chart-latency'),c=cs[0],s=cs[1],run=R.runs[R.best===null?0:R.best],b=run.latency.buckets,marks=0;
  var max=1;b.forEach(function(x){max=Math.max(max,x[1]);});
  var w=b.length?Math.min(60,800/b.length):0;
  el('line',{x1:60,y1:230,x2:880,y2:230,stroke:'#999'},s);
  b.forEach(function(x,i){var h=x[1]/max*200;el('rect',{x:70+i*w,y:230-h,width:w-4,height:h,fill:'#1f77b4'},s);marks++;
    text(s,70+i*w+(w-4)/2,246,(x[0]*1000>=1?Math.round(x[0]*1000):x[0]*1000)+'ms','middle');});
  text(s,64,14,max+' records in the fullest bucket');
  c.setAttribute('data-drawn',marks);drawn++;
}
function sweep(){
  var c=document.getElementById('chart-sweep');if(!c)return;
  var s=el('svg',{width:900,height:260,viewBox:'0 0 900 260'},c),marks=0,max=Math.max(1,R.ceiling.rows_per_s);
  R.runs.forEach(function(r){max=Math.max(max,r.rows_per_s);});
  var w=Math.min(120,800/R.runs.length);
  el('line',{x1:60,y1:230,x2:880,y2:230,stroke:'#999'},s);
  R.runs.forEach(function(r,i){var h=r.rows_per_s/max*200;
    el('rect',{x:70+i*w,y:230-h,width:w-8,height:h,fill:i===R.best?'#2ca02c':'#1f77b4'},s);marks++;
    var label=Object.keys(r.settings).map(function(k){return k.replace(/^.*\./,'')+'='+r.settings[k];}).join(' ');
    text(s,70+i*w+(w-8)/2,246,label,'middle');text(s,70+i*w+(w-8)/2,225-h,Math.round(r.rows_per_s).toLocaleString(),'middle');});
  if(R.ceiling.rows_per_s>0){var y=230-R.ceiling.rows_per_s/max*200;el('line',{x1:60,x2:880,y1:y,y2:y,stroke:'#c00','stroke-dasharray':'4 3'},s);}
  c.setAttribute('data-drawn',marks);drawn++;
}
throughput();latency();sweep();
document.body.setAttribute('data-charts',drawn);
})();
)JS";

std::string row(const std::string& k, const std::string& v) {
  return fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", escape_html(k), escape_html(v));
}

std::string run_table(const report& r, const run_figures& f) {
  std::string out = "<table>\n";
  out += row("rows/s", fmt::format("{:.0f}", f.rows_per_s));
  if (r.kind == "sink") out += row("MB/s", fmt::format("{:.2f}", f.mb_per_s));
  out += row("records", std::to_string(f.records));
  out += row("seconds", fmt::format("{:.2f}", f.seconds));
  out += row("rows in table / expected", fmt::format("{} / {}", f.rows_in_table, f.rows_expected));
  if (r.kind == "sink")
    out += row("database time per batch", fmt::format("{:.1f} ms ({} batches)", f.db_seconds_per_batch * 1000, f.batches));
  out += row(r.kind == "sink" ? "produce → commit p50 / p95 / p99 / max" : "commit → in Kafka p50 / p95 / p99 / max",
             fmt::format("{:.1f} / {:.1f} / {:.1f} / {:.1f} ms{}", f.latency.p50 * 1000, f.latency.p95 * 1000,
                         f.latency.p99 * 1000, f.latency.max * 1000,
                         f.latency.bucket_bounds ? " (bucket upper bounds)" : ""));
  out += row("peak RSS", fmt::format("{:.1f} MiB", f.peak_rss_mib));
  out += row("CPU", fmt::format("{:.2f} s ({:.0f}% of one core)", f.cpu_seconds, f.cpu_percent));
  out += row("connections (pool / server sessions)", fmt::format("{} / {}", f.connections, sessions_text(f)));
  return out + "</table>\n";
}

}  // namespace

std::string render_html(const report& r) {
  const auto& shown = r.runs.at(r.best.value_or(0));
  std::string body;
  body += fmt::format("<h1>sluice bench {} — {}</h1>\n", escape_html(r.kind), escape_html(r.table));
  body += "<table>\n" + row("database", r.dialect + " " + r.database) + row("mode", r.mode) +
          row("columns", r.shape) + row("rows", std::to_string(r.rows)) + row("started", r.started);
  if (r.kind == "sink")
    body += row("key mix", fmt::format("updates {:.0f}%, deletes {:.0f}%, {}", r.updates * 100,
                                       r.deletes * 100, r.zipf ? "zipf" : "uniform"));
  body += row("database ceiling", fmt::format("{:.0f} rows/s ({})", r.db_ceiling.rows_per_s, r.db_ceiling.method));
  body += "</table>\n";
  body += fmt::format("<p class=\"share\">you are at {:.0f}% of what this database {}</p>\n",
                      shown.ceiling_share * 100, r.kind == "sink" ? "ingests" : "reads out");
  if (r.best) {
    std::string s;
    for (const auto& [k, v] : shown.settings) s += (s.empty() ? "" : " ") + k + "=" + v;
    body += fmt::format("<p>recommended: <b>{}</b></p>\n", escape_html(s));
  }
  body += run_table(r, shown);
  body += "<h2>Throughput over time</h2><div class=\"chart\" id=\"chart-throughput\"></div>\n";
  body += fmt::format("<h2>{} distribution</h2><div class=\"chart\" id=\"chart-latency\"></div>\n",
                      r.kind == "sink" ? "Produce → commit latency" : "Commit → in Kafka delay");
  if (r.runs.size() > 1) {
    body += "<h2>Sweep</h2><div class=\"chart\" id=\"chart-sweep\"></div>\n<table>\n<tr><th>setting</th>"
            "<th>rows/s</th><th>share</th><th>p99 ms</th><th>rows</th></tr>\n";
    for (std::size_t i = 0; i < r.runs.size(); ++i) {
      const auto& f = r.runs[i];
      std::string s;
      for (const auto& [k, v] : f.settings) s += (s.empty() ? "" : " ") + k + "=" + v;
      body += fmt::format("<tr{}><td>{}</td><td>{:.0f}</td><td>{:.0f}%</td><td>{:.1f}</td><td>{}</td></tr>\n",
                          r.best && *r.best == i ? " class=\"best\"" : "", escape_html(s), f.rows_per_s,
                          f.ceiling_share * 100, f.latency.p99 * 1000, f.rows_in_table);
    }
    body += "</table>\n";
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sluice bench {} {}</title>"
      "<style>{}</style></head>\n<body>\n{}<script type=\"application/json\" id=\"report\">{}</script>\n"
      "<script>{}</script>\n</body></html>\n",
      escape_html(r.kind), escape_html(r.table), style, body,
      script_safe(boost::json::serialize(to_json(r))), script);
}

}  // namespace sluice::benchkit
