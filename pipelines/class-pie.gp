# class-pie.gp OUT DIR - the share of each class, from DIR/class.dat
# (hd-eda --plot-data), as a pie.
#   gnuplot -c pipelines/class-pie.gp artifacts/plots/class-pie.svg artifacts/plots/data/eda
hd_i = strlen(ARG0); while (hd_i > 0 && ARG0[hd_i:hd_i] ne "/") { hd_i = hd_i - 1 }
out = ARG1
load ARG0[1:hd_i] . "style.gp"
in = ARG2 . "/class.dat"

stats in using 3 nooutput
set title sprintf("Diagnosis (%d patients)", STATS_sum)
set size ratio -1
set xrange [-1.6:1.6]
set yrange [-1.2:1.2]
unset border
unset tics
set grid noxtics noytics
set style fill solid 1 border lc rgb "#ffffff"
color(t) = t == 1 ? 0xD55E00 : 0x56B4E9
# Slices counter-clockwise from 90 degrees, each 360 x its fraction;
# the using columns are read left to right, so a carries the angle on.
a = 90
b = 90
mid = 0
plot in using (0):(0):(1):(a):(a = a + 360 * $4):(color($1)) with circles lc rgb variable, \
     ''  using (mid = b + 180 * $4, b = b + 360 * $4, 0.62 * cos(mid * pi / 180)): \
               (0.62 * sin(mid * pi / 180)):(sprintf("%s\n%d (%.1f%%)", stringcolumn(2), $3, $5)) \
         with labels tc rgb "#ffffff" font ",12"
