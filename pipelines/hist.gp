# hist.gp OUT DIR COLUMN - the histogram of a numeric column, stacked by
# class, from DIR/hist-COLUMN.dat (hd-eda --plot-data).
#   gnuplot -c pipelines/hist.gp artifacts/plots/hist-age.svg artifacts/plots/data/eda age
hd_i = strlen(ARG0); while (hd_i > 0 && ARG0[hd_i:hd_i] ne "/") { hd_i = hd_i - 1 }
out = ARG1
load ARG0[1:hd_i] . "style.gp"
in = ARG2 . "/hist-" . ARG3 . ".dat"

name(c) = c eq "age" ? "Age" : \
	c eq "trestbps" ? "Resting blood pressure" : \
	c eq "chol" ? "Serum cholesterol" : \
	c eq "thalach" ? "Maximum heart rate" : \
	c eq "oldpeak" ? "Exercise ST depression" : c
unit(c) = c eq "age" ? "years" : c eq "trestbps" ? "mm Hg" : \
	c eq "chol" ? "mg/dl" : c eq "thalach" ? "beats/min" : \
	c eq "oldpeak" ? "mm" : ""

# The bins' extent, and the patients counted (rows with a value).
stats in using 1:2 nooutput
set xrange [STATS_min_x:STATS_max_y]
stats in using 3 nooutput
set title sprintf("%s by diagnosis", name(ARG3))
set xlabel sprintf("%s (%s)", ARG3, unit(ARG3)) noenhanced
set ylabel "Patients"
set yrange [0:*]
set key top right title sprintf("%d patients", STATS_sum)
set grid noxtics ytics
mid(lo, hi) = (lo + hi) / 2
plot in using (mid($1, $2)):($4 + $5):($2 - $1) with boxes lc rgb c_class1 title "disease", \
     ''  using (mid($1, $2)):4:($2 - $1) with boxes lc rgb c_class0 title "no disease"
