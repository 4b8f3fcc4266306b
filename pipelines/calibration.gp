# calibration.gp OUT DIR MODEL - the reliability diagram of model MODEL
# (lr, rf) on the test rows: the observed rate of disease against the
# mean predicted probability in 10 equal-width bins, from
# DIR/calibration.dat and DIR/summary.dat (hd-eval --plot-data); each
# point's area grows with its bin's patients.
#   gnuplot -c pipelines/calibration.gp artifacts/plots/lr-calibration.svg artifacts/plots/data/lr lr
hd_i = strlen(ARG0); while (hd_i > 0 && ARG0[hd_i:hd_i] ne "/") { hd_i = hd_i - 1 }
out = ARG1
load ARG0[1:hd_i] . "style.gp"
in = ARG2 . "/calibration.dat"

stats ARG2 . "/summary.dat" using (n = $1) nooutput
stats in using 3 nooutput
nmax = STATS_max
set title sprintf("%s: calibration (%d test patients)", model_name(ARG3), n)
set size ratio -1
set xrange [0:1]
set yrange [0:1]
set xtics 0.2
set ytics 0.2
set xlabel "Mean predicted probability"
set ylabel "Observed rate of disease"
set key bottom right
size(m) = 0.6 + 2.4 * sqrt(m / nmax)
plot x with lines dt 2 lw 1 lc rgb c_ref title "perfect calibration", \
     in using 1:2 with lines lw 2 lc rgb model_color(ARG3) notitle, \
     in using 1:2:(size($3)) with points pt 7 ps variable lc rgb model_color(ARG3) \
         title model_label(ARG3) . " (10 bins; area ∝ patients)"
