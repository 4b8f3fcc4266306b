# confusion.gp OUT DIR MODEL - the confusion matrix of model MODEL (lr,
# rf) on the test rows, from DIR/confusion.dat and DIR/summary.dat
# (hd-eval --plot-data), each cell with its count.
#   gnuplot -c pipelines/confusion.gp artifacts/plots/lr-confusion.svg artifacts/plots/data/lr lr
hd_i = strlen(ARG0); while (hd_i > 0 && ARG0[hd_i:hd_i] ne "/") { hd_i = hd_i - 1 }
out = ARG1
load ARG0[1:hd_i] . "style.gp"
in = ARG2 . "/confusion.dat"

stats ARG2 . "/summary.dat" using (n = $1, threshold = $2, auc = $3) nooutput
stats in using 3 nooutput
set title sprintf("%s: confusion matrix\n{/*0.85 %d test patients; disease predicted when p ≥ %g}", \
	model_name(ARG3), n, threshold)
set xlabel "Predicted"
set ylabel "Actual"
set size ratio -1
set border 0
set grid noxtics noytics
set tics scale 0
set xrange [-0.5:1.5]
set yrange [1.5:-0.5]
set xtics ("no disease" 0, "disease" 1)
set ytics ("no disease" 0, "disease" 1)
set cbrange [0:STATS_max]
set palette defined (0 "#F7FBFF", 1 model_color(ARG3))
unset colorbox
set style fill solid 1 border lc rgb "#ffffff"
what(a, p) = a == p ? (a == 1 ? "TP" : "TN") : (a == 1 ? "FN" : "FP")
ink(c) = c > STATS_max / 2 ? 0xffffff : 0x333333
plot in using 2:1:(0.5):(0.5):3 with boxxyerror fc palette, \
     ''  using 2:1:(sprintf("%s\n%d", what($1, $2), $3)):(ink($3)) \
         with labels font ",16" tc rgb variable
