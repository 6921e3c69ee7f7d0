# bench/plot.gp - the ratio to no tracing per consumer and configuration
# (bench/analyze.py's plot-path.dat or plot-insn.dat), as an SVG.
# gnuplot -e "dat='FILE'; svg='FILE.svg'; what='MEASURE'" bench/plot.gp
set terminal svg size 900,480 dynamic font "sans,11" background "white"
set output svg
if (!exists("what")) what = "guest instructions per op"
set title "Throughput with each consumer, relative to no tracing (" . what . "; bars: 95 % interval)"
set ylabel "% of no tracing"
set yrange [0:110]
set grid ytics
set key outside right top vertical
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
ncons = (words(system("head -n 1 " . dat)) - 1) / 3
plot for [i=0:ncons-1] dat using (column(2 + 3 * i)):(column(3 + 3 * i)):(column(4 + 3 * i)):xtic(1) \
	title columnhead(2 + 3 * i)
