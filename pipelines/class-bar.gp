# class-bar.gp OUT DIR - the patients of each class, from DIR/class.dat
# (hd-eda --plot-data), as bars.
#   gnuplot -c pipelines/class-bar.gp artifacts/plots/class-bar.svg artifacts/plots/data/eda
hd_i = strlen(ARG0); while (hd_i > 0 && ARG0[hd_i:hd_i] ne "/") { hd_i = hd_i - 1 }
out = ARG1
load ARG0[1:hd_i] . "style.gp"
in = ARG2 . "/class.dat"

stats in using 3 nooutput
set title sprintf("Diagnosis (%d patients)", STATS_sum)
set ylabel "Patients"
set yrange [0:STATS_max * 1.15]
set xrange [-0.6:1.6]
set grid noxtics ytics
set boxwidth 0.6
set xtics scale 0
color(t) = t == 1 ? 0xD55E00 : 0x56B4E9
plot in using 1:3:(color($1)):xtic(2) with boxes lc rgb variable, \
     ''  using 1:3:(sprintf("%d (%.1f%%)", $3, $5)) with labels offset 0,0.8 tc rgb c_ink
