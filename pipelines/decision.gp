# decision.gp OUT DIR MODEL - the decision curve of model MODEL (lr, rf)
# on the test rows: net benefit against the threshold probability, for
# the model, treating all and treating none, from DIR/decision.dat and
# DIR/summary.dat (hd-eval --plot-data).
#   gnuplot -c pipelines/decision.gp artifacts/plots/lr-decision.svg artifacts/plots/data/lr lr
hd_i = strlen(ARG0); while (hd_i > 0 && ARG0[hd_i:hd_i] ne "/") { hd_i = hd_i - 1 }
out = ARG1
load ARG0[1:hd_i] . "style.gp"
in = ARG2 . "/decision.dat"

stats ARG2 . "/summary.dat" using (n = $1) nooutput
# Treat-all falls without bound as the threshold rises: show from a
# little below zero to a little above the best net benefit.
stats in using 2 nooutput
top = STATS_max
stats in using 3 nooutput
top = STATS_max > top ? STATS_max : top
set title sprintf("%s: decision curve (%d test patients)", model_name(ARG3), n)
set xrange [0:1]
set yrange [-0.15 * top:1.1 * top]
set xtics 0.1
set xlabel "Threshold probability"
set ylabel "Net benefit"
set key top right
plot in using 1:4 with lines lw 1.5 lc rgb c_ink title "treat none", \
     in using 1:3 with lines dt 2 lw 1.5 lc rgb c_ref title "treat all", \
     in using 1:2 with lines lw 2 lc rgb model_color(ARG3) title model_label(ARG3)
