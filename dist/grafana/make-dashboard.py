#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Writes dist/grafana/schedrift-dashboard.json (run from anywhere).

The dashboard is generated so that its panels share one layout and one
query style; edit this file, run it, and commit both. The test
tests/cli/test_prom_rules_dashboard checks that the JSON is this script's
output, that every query parses and that it reads only exported metrics."""
import json
import os
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schedrift-dashboard.json")
DS = {"type": "prometheus", "uid": "${datasource}"}
I = 'instance=~"$instance"'
panels = []
pid = [0]
def panel(kind, title, desc, targets, x, y, w, h, **extra):
    pid[0] += 1
    p = {"id": pid[0], "type": kind, "title": title, "description": desc, "datasource": DS,
         "gridPos": {"x": x, "y": y, "w": w, "h": h},
         "targets": [dict(t, datasource=DS, refId=chr(65 + i)) for i, t in enumerate(targets)]}
    p.update(extra)
    panels.append(p)
def row(title, y):
    pid[0] += 1
    panels.append({"id": pid[0], "type": "row", "title": title, "collapsed": False,
                   "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []})
def ts(unit, stack=False, log=False):
    custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10 if stack else 0,
              "showPoints": "never", "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    if log:
        custom["scaleDistribution"] = {"type": "log", "log": 10}
    return {"fieldConfig": {"defaults": {"unit": unit, "custom": custom}, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["max", "lastNotNull"], "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}}}
def stat(unit, red):
    return {"fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": [
                {"color": "green", "value": None}, {"color": "red", "value": red}]}}, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "background", "graphMode": "area", "textMode": "auto"}}
def q(expr, legend, **kw):
    d = {"expr": expr, "legendFormat": legend, "range": True}
    d.update(kw)
    return d

hq = lambda qu, metric, by="": 'histogram_quantile(%s, sum by (%sle) (rate(%s_bucket{%s}[$__rate_interval])))' % (qu, by, metric, I)

row("Run-queue latency", 0)
panel("stat", "p99.9 wait, last interval", "Highest p99.9 of the selected hosts' last export interval (schedrift_runqueue_latency_quantile_seconds, within 1/64).",
      [q('max(schedrift_runqueue_latency_quantile_seconds{%s,quantile="0.999"})' % I, "p99.9")], 0, 1, 6, 4, **stat("s", 0.01))
panel("stat", "Cross-node migrations", "Migrations per second that crossed a NUMA node.",
      [q('sum(rate(schedrift_migrations_total{%s,locality="cross_node"}[$__rate_interval]))' % I, "cross-node")], 6, 1, 6, 4, **stat("ops", 10))
panel("stat", "Events lost", "Events dropped in the dashboard's time range, every stage (docs/metrics.md). Anything but 0 means the numbers are short of the truth.",
      [q('sum(increase(schedrift_events_lost_total{%s}[$__range]))' % I, "lost", range=False, instant=True)], 12, 1, 6, 4, **stat("short", 1))
panel("stat", "Tasks tracked", "Tasks in the daemon's table (--max-tasks bounds it).",
      [q('sum(schedrift_tasks_tracked{%s})' % I, "tasks")], 18, 1, 6, 4, **stat("short", 60000))
panel("timeseries", "Run-queue latency tails", "Wakeup (or preemption) to running, from the histograms: quantiles aggregate correctly across hosts.",
      [q(hq("0.5", "schedrift_runqueue_latency_seconds"), "p50"),
       q(hq("0.99", "schedrift_runqueue_latency_seconds"), "p99"),
       q(hq("0.999", "schedrift_runqueue_latency_seconds"), "p99.9")], 0, 5, 12, 8, **ts("s", log=True))
panel("timeseries", "p99 split: delivery and queueing", "Delivery: sched_waking to on a run queue (the wakeup path, IPIs, distance). Queueing: on a run queue to running (contention).",
      [q(hq("0.99", "schedrift_runqueue_delivery_seconds"), "delivery p99"),
       q(hq("0.99", "schedrift_runqueue_queue_seconds"), "queueing p99")], 12, 5, 12, 8, **ts("s", log=True))
panel("timeseries", "p99 wait by cgroup", "Run-queue p99 of each cgroup v2 (pods and services); pick cgroups with the variable above.",
      [q('histogram_quantile(0.99, sum by (cgroup, le) (rate(schedrift_cgroup_runqueue_latency_seconds_bucket{%s,cgroup=~"$cgroup"}[$__rate_interval])))' % I, "{{cgroup}}")],
      0, 13, 12, 9, **ts("s", log=True))
panel("timeseries", "p99.9 wait by cgroup", "The tail an SLO is usually written against.",
      [q('histogram_quantile(0.999, sum by (cgroup, le) (rate(schedrift_cgroup_runqueue_latency_seconds_bucket{%s,cgroup=~"$cgroup"}[$__rate_interval])))' % I, "{{cgroup}}")],
      12, 13, 12, 9, **ts("s", log=True))
panel("timeseries", "p99 wait by pod", "Run-queue p99 of each Kubernetes pod, from the pod labels schedrift puts on its containers' cgroups (docs/kubernetes.md).",
      [q('histogram_quantile(0.99, sum by (namespace, pod, le) (rate(schedrift_cgroup_runqueue_latency_seconds_bucket{%s,pod!=""}[$__rate_interval])))' % I, "{{namespace}}/{{pod}}")],
      0, 22, 24, 9, **ts("s", log=True))
panel("heatmap", "Wait distribution", "Waits per latency bucket over time (the daemon's fixed 1-2.5-5 buckets).",
      [q('sum by (le) (increase(schedrift_runqueue_latency_seconds_bucket{%s}[$__rate_interval]))' % I, "{{le}}", format="heatmap")],
      0, 22, 24, 8,
      options={"calculate": False, "yAxis": {"unit": "s"}, "cellGap": 1, "color": {"mode": "scheme", "scheme": "Oranges", "scale": "exponential", "exponent": 0.5},
               "rowsFrame": {"layout": "le"}, "tooltip": {"show": True, "yHistogram": True}},
      fieldConfig={"defaults": {}, "overrides": []})

row("Migrations", 30)
panel("timeseries", "Migrations by cause", "Why tasks moved (docs/migration-causes.md): wakeup, balance, numa, affinity, exec, fork, other.",
      [q('sum by (cause) (rate(schedrift_migrations_total{%s}[$__rate_interval]))' % I, "{{cause}}")], 0, 31, 12, 8, **ts("ops", stack=True))
panel("timeseries", "Migrations by locality", "Where they went: same LLC, another LLC, another NUMA node.",
      [q('sum by (locality) (rate(schedrift_migrations_total{%s}[$__rate_interval]))' % I, "{{locality}}")], 12, 31, 12, 8, **ts("ops", stack=True))
panel("table", "Node matrix (migrations from node to node)", "Migrations in the time range, rows: from node, columns: to node; the diagonal stays within a node. Cell colour grows with the count.",
      [q('sum by (from_node, to_node) (increase(schedrift_node_migrations_total{%s}[$__range]))' % I, "", range=False, instant=True, format="table")],
      0, 39, 12, 8,
      transformations=[{"id": "groupingToMatrix", "options": {"rowField": "from_node", "columnField": "to_node", "valueField": "Value"}}],
      fieldConfig={"defaults": {"custom": {"align": "center", "cellOptions": {"type": "color-background"}},
                                "color": {"mode": "continuous-GrYlRd"}, "decimals": 0}, "overrides": []},
      options={"showHeader": True})
panel("timeseries", "Migration penalty", "Modelled cost of the moves per second: distance(from,to)/distance(from,from) - 1 summed (docs/design.md).",
      [q('sum(rate(schedrift_migration_penalty_total{%s}[$__rate_interval]))' % I, "penalty/s")], 12, 39, 12, 8, **ts("short"))
panel("timeseries", "Landing latency p99 by locality", "The first wait after a migration: what the move cost the task, by how far it went.",
      [q(hq("0.99", "schedrift_landing_latency_seconds", "locality, "), "{{locality}}")], 0, 47, 24, 8, **ts("s", log=True))

row("Health of the measurement", 55)
panel("timeseries", "Events lost by stage", "Every place an event can be dropped is counted (docs/metrics.md, loss stages).",
      [q('sum by (stage) (rate(schedrift_events_lost_total{%s}[$__rate_interval])) > 0' % I, "{{stage}}")], 0, 56, 12, 8, **ts("ops", stack=True))
panel("timeseries", "Daemon CPU and memory", "The daemon's own cost: CPU as a share of one core, resident memory on the right axis.",
      [q('sum by (instance) (rate(schedrift_daemon_cpu_seconds_total{%s}[$__rate_interval]))' % I, "{{instance}} CPU"),
       q('sum by (instance) (schedrift_daemon_resident_memory_bytes{%s})' % I, "{{instance}} RSS")], 12, 56, 12, 8,
      fieldConfig={"defaults": {"unit": "percentunit", "custom": {"drawStyle": "line", "showPoints": "never"}},
                   "overrides": [{"matcher": {"id": "byRegexp", "options": ".*RSS"},
                                  "properties": [{"id": "unit", "value": "bytes"}, {"id": "custom.axisPlacement", "value": "right"}]}]},
      options={"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}, "tooltip": {"mode": "multi", "sort": "none"}})

for p_ in panels:
    if p_["title"] != "p99 wait by pod" and p_["gridPos"]["y"] >= 22:
        p_["gridPos"]["y"] += 9
slo_y = max(p_["gridPos"]["y"] + p_["gridPos"]["h"] for p_ in panels)
row("SLO rules", slo_y)
panel("stat", "SLO rules in breach", "Rules of the daemons' config files whose last interval breached (docs/slo.md); each breach that starts writes a flight recorder capture.",
      [q('sum(schedrift_slo_breach{%s})' % I, "in breach")], 0, slo_y + 1, 6, 8, **stat("short", 1))
panel("timeseries", "SLO rules: observed and objective", "Each rule's figure over the daemon's last interval (the worst of its scope) against its objective.",
      [q('max by (rule) (schedrift_slo_observed_seconds{%s})' % I, "{{rule}}"),
       q('max by (rule) (schedrift_slo_objective_seconds{%s})' % I, "{{rule}} objective")], 6, slo_y + 1, 18, 8,
      fieldConfig={"defaults": {"unit": "s", "custom": {"drawStyle": "line", "showPoints": "never", "scaleDistribution": {"type": "log", "log": 10}}},
                   "overrides": [{"matcher": {"id": "byRegexp", "options": ".* objective"},
                                  "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]}]},
      options={"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["max", "lastNotNull"], "showLegend": True}, "tooltip": {"mode": "multi", "sort": "desc"}})

nb_y = slo_y + 9
row("Noisy neighbours", nb_y)
panel("timeseries", "Top noisy neighbours of the selected cgroups", "Seconds of run-queue wait per second that each culprit cgroup cost each selected cgroup: the 5 largest pairs (schedrift_cgroup_delay_seconds_total; idle and other left out, docs/metrics.md).",
      [q('topk(5, sum by (cgroup, culprit) (rate(schedrift_cgroup_delay_seconds_total{%s,cgroup=~"$cgroup",culprit!~"idle|other"}[$__rate_interval])))' % I, "{{cgroup}} <- {{culprit}}")],
      0, nb_y + 1, 12, 8, **ts("short"))
panel("timeseries", "Top noisy neighbours of a pod", "The same for Kubernetes pods, all their containers' cgroups together (the recording rule schedrift:pod_delay_seconds:rate5m keeps it for alerts).",
      [q('topk(5, sum by (namespace, pod, culprit) (rate(schedrift_cgroup_delay_seconds_total{%s,pod!="",culprit!~"idle|other"}[$__rate_interval])))' % I, "{{namespace}}/{{pod}} <- {{culprit}}")],
      12, nb_y + 1, 12, 8, **ts("short"))
panel("timeseries", "Wait by what held the CPU", "The selected cgroups' run-queue wait per second by the class of the task that held the CPU: same cgroup, another cgroup, kernel threads and system services, idle, unknown.",
      [q('sum by (class) (rate(schedrift_cgroup_delay_class_seconds_total{%s,cgroup=~"$cgroup"}[$__rate_interval]))' % I, "{{class}}")],
      0, nb_y + 9, 24, 8, **ts("short", stack=True))

dash = {
    "uid": "schedrift-overview", "title": "schedrift: run-queue latency and migrations",
    "description": "Tails per host and cgroup, noisy neighbours, migrations by cause and locality, the node matrix, penalties and losses, from schedrift's metrics (docs/metrics.md).",
    "tags": ["schedrift", "scheduler", "numa"], "timezone": "browser", "schemaVersion": 38, "version": 1,
    "editable": True, "graphTooltip": 1, "refresh": "30s", "time": {"from": "now-1h", "to": "now"},
    "templating": {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus", "current": {}, "hide": 0},
        {"name": "instance", "label": "Host", "type": "query", "datasource": DS,
         "query": {"query": "label_values(schedrift_build_info, instance)", "refId": "instance"},
         "definition": "label_values(schedrift_build_info, instance)", "refresh": 2, "multi": True, "includeAll": True,
         "allValue": ".*", "current": {}, "sort": 1},
        {"name": "cgroup", "label": "Cgroup", "type": "query", "datasource": DS,
         "query": {"query": 'label_values(schedrift_cgroup_runqueue_latency_seconds_count{instance=~"$instance"}, cgroup)', "refId": "cgroup"},
         "definition": 'label_values(schedrift_cgroup_runqueue_latency_seconds_count{instance=~"$instance"}, cgroup)',
         "refresh": 2, "multi": True, "includeAll": True, "allValue": ".*", "current": {}, "sort": 1},
    ]},
    "annotations": {"list": []},
    "panels": panels,
}
text = json.dumps(dash, indent=2) + "\n"
if sys.argv[1:] == ["--stdout"]:
    sys.stdout.write(text)
else:
    with open(OUT, "w") as f:
        f.write(text)
