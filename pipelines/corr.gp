# corr.gp OUT DIR - the correlation matrix of DIR/corr.dat (hd-eda
# --plot-data) as a heatmap, each cell with its value.
#   gnuplot -c pipelines/corr.gp artifacts/plots/corr.svg artifacts/plots/data/eda
hd_i = strlen(ARG0); while (hd_i > 0 && ARG0[hd_i:hd_i] ne "/") { hd_i = hd_i - 1 }
out = ARG1
load ARG0[1:hd_i] . "style.gp"
in = ARG2 . "/corr.dat"

set title "Correlation (Pearson, pairwise complete)"
set size ratio -1
set border 0
set grid noxtics noytics
set tics scale 0 noenhanced
set xtics rotate by 45 right offset 0.5,0
set yrange [*:*] reverse
set autoscale fix
set offsets 0.5, 0.5, 0.5, 0.5
set cbrange [-1:1]
set cbtics 0.5
set palette defined (-1 "#2166AC", 0 "#F7F7F7", 1 "#B2182B")
set colorbox user origin graph 1.04, 0 size character 1.5, graph 1
set style fill solid 1 noborder
# Dark cells get white text; a value that rounds to 0 shows no sign.
ink(r) = abs(r) > 0.6 ? 0xffffff : 0x333333
cell(r) = sprintf("%.2f", abs(r) < 0.005 ? 0 : r)
plot in matrix columnheaders rowheaders using 1:2:(0.5):(0.5):3 with boxxyerror fc palette, \
     ''  matrix columnheaders rowheaders using 1:2:(cell($3)):(ink($3)) \
         with labels font ",7" tc rgb variable
