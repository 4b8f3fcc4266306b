# style.gp - what every hd plot shares: the terminal, the font, the
# colours.  Each pipelines/*.gp script loads it first, from its own
# folder, after setting
#
#   out     the file to draw: an SVG, or with a name ending in .png a PNG
#
# A plot is its inputs and nothing else: no date, no mouse script, no
# link to any other file, so the same numbers draw the same bytes.

# The file's base name without extension, "-" as "_" (the SVG's title
# and the prefix of its element ids, unique among plots on one page).
hd_name = out
while (strstrt(hd_name, "/") > 0) { hd_name = hd_name[strstrt(hd_name, "/") + 1:] }
if (strstrt(hd_name, ".") > 1) { hd_name = hd_name[1:strstrt(hd_name, ".") - 1] }
hd_id = ""
do for [hd_k = 1:strlen(hd_name)] {
	hd_c = hd_name[hd_k:hd_k]
	hd_id = hd_id . (hd_c eq "-" ? "_" : hd_c)
}

set encoding utf8
if (strlen(out) > 4 && out[strlen(out) - 3:] eq ".png") {
	set terminal pngcairo size 640,480 font "sans,11" background "#ffffff" enhanced
} else {
	eval sprintf("set terminal svg size 640,480 fixed name '%s' font 'sans,11' background '#ffffff' enhanced", hd_id)
}
set output out

# Okabe and Ito's colour-blind-safe palette.  The two classes, the two
# models, and grey for the references (chance, perfect calibration,
# treat-all, treat-none).
c_class0 = "#56B4E9"
c_class1 = "#D55E00"
c_ref    = "#999999"
c_ink    = "#333333"
model_color(m) = m eq "rf" ? "#009E73" : "#0072B2"
model_label(m) = m eq "lr" ? "LR" : m eq "rf" ? "RF" : m
model_name(m)  = m eq "lr" ? "Logistic regression" : m eq "rf" ? "Random forest" : m

set datafile missing "NaN"
set border 3 lc rgb c_ink
set tics nomirror textcolor rgb c_ink
set grid back lt 1 lc rgb "#e0e0e0" lw 1
set key noautotitle textcolor rgb c_ink
set title textcolor rgb c_ink font "sans,13"
set style fill solid 1 border lc rgb "#ffffff"
set linetype 1 lc rgb "#0072B2" lw 2
set linetype 2 lc rgb "#009E73" lw 2
