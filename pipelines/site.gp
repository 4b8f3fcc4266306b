# site.gp OUT DIR - the patients of each site by class, from
# DIR/site.dat (hd-eda --plot-data), as stacked bars.
#   gnuplot -c pipelines/site.gp artifacts/plots/site.svg artifacts/plots/data/eda
hd_i = strlen(ARG0); while (hd_i > 0 && ARG0[hd_i:hd_i] ne "/") { hd_i = hd_i - 1 }
out = ARG1
load ARG0[1:hd_i] . "style.gp"
in = ARG2 . "/site.dat"

stats in using 2 nooutput
set title "Patients and diagnosis by site"
set ylabel "Patients"
set yrange [0:STATS_max * 1.2]
set xrange [-0.6:STATS_records - 0.4]
set grid noxtics ytics
set boxwidth 0.6
set xtics scale 0 noenhanced
set key top right
plot in using 0:2:xtic(1) with boxes lc rgb c_class1 title "disease", \
     ''  using 0:3 with boxes lc rgb c_class0 title "no disease", \
     ''  using 0:2:(sprintf("%d\n%.0f%% disease", $2, 100 * $5)) \
         with labels offset 0,1.7 tc rgb c_ink font ",10"
