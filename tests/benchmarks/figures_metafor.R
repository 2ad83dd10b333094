# The pipeline's per-outcome figure work redone with metafor and base R graphics, so
# that the CPU the pipeline spends on its figures can be set beside what R spends.
#
# Usage:
#   Rscript tests/benchmarks/figures_metafor.R <analysed_effects.tsv> <outdir> [outcomes]
#           [figures.txt]
#
# figures.txt (optional): the figure stems to draw, one per line (forest_death, ...). The
# pipeline draws a figure only where an outcome has data for it; pipeline.py passes the
# stems it drew, so that both draw the same figures in the same formats.
#
# tests/benchmarks/pipeline.py (measurement b) runs the pipeline with every figure format,
# then runs this script under /usr/bin/time on that run's results/tables/analysed_effects.tsv
# and compares the CPU seconds (user + sys) of the two. The script prints one line,
# "<n> files written to <outdir>", which pipeline.py reads.
#
# What it draws, per outcome (default: the 14 of config/config.yaml criteria.outcomes, plus
# any other outcome in the table; or the comma-separated list given as third argument):
#   forest_<o>.{svg,png,pdf}                 overall forest plot, rma(REML, Knapp-Hartung)
#   forest_<o>_by_<v>.{svg,png,pdf}          one per subgroup variable (route, tissue): a
#                                            pooled diamond per level with k >= 2, and overall
#   leave_one_out_<o>.{svg,png}              leave1out() drawn with forest()
#   funnel_<o>.{svg,png}                     funnel() of every pooled fit (k >= 2; the
#                                            pipeline draws one only from k = 10, so R
#                                            does slightly more work here)
# SVG, PNG at 300 dpi and PDF through the base devices svg(), png(), pdf(); each file is
# drawn anew on its device (the fits are computed once). A display the data cannot support
# (k = 0; no pooled fit for k = 1, whose forest plot shows the one study; leave-one-out for
# k < 3, so that each re-fit keeps two studies, as in the pipeline) is still written, as a
# plot with a sentence saying why, so the file count is the same for any data: 13 files per
# outcome. Only rows with status "ok" are used. Where REML does not converge, DL is used
# (the pipeline's fallback_estimator). Needs only metafor and base R.

suppressPackageStartupMessages(library(metafor))

SHIPPED_OUTCOMES <- c(
  "any_ae", "serious_ae", "treatment_related_sae", "death", "headache",
  "serious_ae_vs_control", "death_vs_control", "slope_change", "slope_change_vs_control",
  "alsfrs_change_vs_control", "responders", "responders_vs_control", "fvc_slope_change",
  "fvc_slope_change_vs_control"
)
SUBGROUPS <- c("route", "tissue")
MIN_K_POOL <- 2
MIN_K_LEAVE_ONE_OUT <- 3
CONTROL <- list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)
WIDTH <- 8  # inches, about the pipeline's forest plots
DPI <- 300

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2 || length(args) > 4) {
  stop("usage: Rscript figures_metafor.R <analysed_effects.tsv> <outdir> [outcomes] [figures.txt]")
}
WANTED <- if (length(args) == 4) readLines(args[4]) else NULL
effects <- read.delim(args[1], quote = "", na.strings = "", colClasses = "character",
                      check.names = FALSE, encoding = "UTF-8")
effects <- effects[effects$status == "ok", , drop = FALSE]
effects$yi <- as.numeric(effects$yi)
effects$vi <- as.numeric(effects$vi)
outdir <- args[2]
dir.create(outdir, recursive = TRUE, showWarnings = FALSE)
outcomes <- if (length(args) >= 3 && args[3] != "") {
  strsplit(args[3], ",", fixed = TRUE)[[1]]
} else {
  union(SHIPPED_OUTCOMES, unique(effects$outcome))
}

written <- 0L

# Draw `draw()` once per format into <outdir>/<stem>.<format>.
save_plot <- function(stem, height, formats, draw) {
  if (!is.null(WANTED) && !(stem %in% WANTED)) {
    return(invisible(NULL))
  }
  for (fmt in formats) {
    path <- file.path(outdir, paste0(stem, ".", fmt))
    switch(fmt,
      svg = svg(path, width = WIDTH, height = height),
      png = png(path, width = WIDTH, height = height, units = "in", res = DPI),
      pdf = pdf(path, width = WIDTH, height = height)
    )
    draw()
    dev.off()
    written <<- written + 1L
  }
}

message_plot <- function(title, text) {
  function() {
    par(mar = c(0.5, 0.5, 2, 0.5))
    plot.new()
    title(main = title)
    text(0.5, 0.5, paste(strwrap(text, 90), collapse = "\n"))
  }
}

fit_re <- function(yi, vi, slab) {
  fit <- tryCatch(
    rma(yi, vi, slab = slab, method = "REML", test = "knha", control = CONTROL),
    error = function(e) NULL
  )
  if (is.null(fit)) {
    fit <- tryCatch(rma(yi, vi, slab = slab, method = "DL", test = "knha"),
                    error = function(e) NULL)
  }
  fit
}

# How the rows are shown: proportions back-transformed from the logit, ratios on a log axis,
# differences as they are. The axis (alim) spans the studies' 95% CIs; a pooled interval
# wider than that (Knapp-Hartung with k = 2 has t on 1 df) is clipped to it (olim, clip:
# the same limits on the analysis scale).
scale_of <- function(rows) {
  m <- rows$measure[1]
  span <- range(c(rows$yi - 1.96 * sqrt(rows$vi), rows$yi + 1.96 * sqrt(rows$vi), 0))
  if (identical(m, "PLO")) {
    return(list(transf = transf.ilogit, atransf = FALSE, xlab = "Proportion", refline = NA,
                alim = c(0, 1), clip = c(-Inf, Inf), funnel_xlab = "Logit proportion"))
  }
  if (m %in% c("OR", "RR")) {
    return(list(transf = FALSE, atransf = exp, xlab = paste(m, "(log scale)"), refline = 0,
                alim = span, clip = span, funnel_xlab = paste("Log", m)))
  }
  list(transf = FALSE, atransf = FALSE, xlab = "Mean difference", refline = 0, alim = span,
       clip = span, funnel_xlab = "Mean difference")
}

height_for <- function(n_rows) max(2.5, 1.4 + 0.28 * n_rows)

forest_overall <- function(outcome, rows, fit) {
  s <- scale_of(rows)
  k <- nrow(rows)
  if (k == 0) {
    return(list(height = 2.5, draw = message_plot(
      paste("Forest plot:", outcome), "Not drawn: k = 0, no study meets the criteria.")))
  }
  if (is.null(fit)) {
    return(list(height = height_for(k + 3), draw = function() {
      forest(rows$yi, rows$vi, slab = rows$label, transf = s$transf, atransf = s$atransf,
             alim = s$alim, olim = s$alim, xlab = s$xlab, refline = s$refline,
             header = c("Study", "Estimate [95% CI]"))
      mtext(sprintf("Not pooled: k = %d; at least %d studies are needed", k, MIN_K_POOL),
            side = 3, line = 0.5, cex = 0.8)
    }))
  }
  list(height = height_for(k + 5), draw = function() {
    forest(fit, transf = s$transf, atransf = s$atransf, alim = s$alim, olim = s$alim,
           xlab = s$xlab, refline = s$refline, addpred = TRUE,
           header = c("Study", "Estimate [95% CI]"),
           mlab = sprintf("RE model, I2 = %.0f%%", fit$I2))
  })
}

forest_subgroups <- function(outcome, variable, rows, fit) {
  s <- scale_of(rows)
  k <- nrow(rows)
  title <- paste("Forest plot by", variable, ":", outcome)
  if (k == 0) {
    return(list(height = 2.5, draw = message_plot(title,
      "Not drawn: k = 0, no study meets the criteria.")))
  }
  level <- rows[[variable]]
  level[is.na(level)] <- "not reported"
  ord <- order(level, seq_len(k))
  rows <- rows[ord, , drop = FALSE]
  level <- level[ord]
  levels <- unique(level)
  # Lay rows out bottom-up: the overall diamond at -1, then per level (last level lowest):
  # its pooled row (k >= 2), its studies, its heading, a blank line.
  study_row <- numeric(k)
  heading_row <- numeric(length(levels))
  pooled_row <- rep(NA_real_, length(levels))
  y <- 1
  for (j in rev(seq_along(levels))) {
    members <- which(level == levels[j])
    if (length(members) >= MIN_K_POOL) {
      pooled_row[j] <- y
      y <- y + 1
    }
    study_row[rev(members)] <- seq(y, length.out = length(members))
    y <- y + length(members)
    heading_row[j] <- y
    y <- y + 2
  }
  top <- y - 1
  fits <- lapply(seq_along(levels), function(j) {
    members <- which(level == levels[j])
    if (length(members) < MIN_K_POOL) return(NULL)
    fit_re(rows$yi[members], rows$vi[members], rows$label[members])
  })
  overall <- if (is.null(fit)) NULL else fit_re(rows$yi, rows$vi, rows$label)
  list(height = height_for(top + 4), draw = function() {
    if (is.null(overall)) {
      sav <- forest(rows$yi, rows$vi, slab = rows$label, transf = s$transf,
                    atransf = s$atransf, alim = s$alim, olim = s$alim, xlab = s$xlab,
                    refline = s$refline, rows = study_row, ylim = c(0, top + 3),
                    header = c("Study", "Estimate [95% CI]"))
    } else {
      sav <- forest(overall, transf = s$transf, atransf = s$atransf, alim = s$alim, olim = s$alim,
                    xlab = s$xlab, refline = s$refline, rows = study_row,
                    ylim = c(-1.5, top + 3), header = c("Study", "Estimate [95% CI]"),
                    mlab = "RE model, all studies")
    }
    for (j in seq_along(levels)) {
      text(sav$xlim[1], heading_row[j], paste0(variable, ": ", levels[j]), pos = 4, font = 2,
           cex = sav$cex)
      if (!is.null(fits[[j]])) {
        f <- fits[[j]]
        addpoly(coef(f), ci.lb = max(f$ci.lb, s$clip[1]), ci.ub = min(f$ci.ub, s$clip[2]),
                rows = pooled_row[j], transf = s$transf, atransf = s$atransf, cex = sav$cex,
                mlab = sprintf("RE model, %s (k = %d)", levels[j], f$k))
      }
    }
  })
}

leave_one_out_plot <- function(outcome, rows, fit) {
  s <- scale_of(rows)
  k <- nrow(rows)
  title <- paste("Leave-one-out:", outcome)
  if (k < MIN_K_LEAVE_ONE_OUT || is.null(fit)) {
    return(list(height = 2.5, draw = message_plot(title, sprintf(paste(
      "Not drawn: leave-one-out needs at least %d pooled studies, so that every re-fit",
      "keeps two; this analysis has k = %d."), MIN_K_LEAVE_ONE_OUT, k))))
  }
  loo <- leave1out(fit)  # re-fits with the fit's own method and control
  list(height = height_for(k + 4), draw = function() {
    forest(loo$estimate, ci.lb = loo$ci.lb, ci.ub = loo$ci.ub,
           slab = paste("Omitting", loo$slab), refline = s$refline, transf = s$transf,
           atransf = s$atransf, alim = s$alim, olim = s$alim, xlab = s$xlab,
           header = c("Study left out", "Estimate [95% CI]"))
    mtext(title, side = 3, line = 0.5)
  })
}

funnel_plot <- function(outcome, rows, fit) {
  k <- nrow(rows)
  title <- paste("Funnel plot:", outcome)
  if (is.null(fit)) {
    return(list(height = 2.5, draw = message_plot(title, sprintf(
      "Not drawn: a funnel plot needs a pooled fit (k >= %d); this analysis has k = %d.",
      MIN_K_POOL, k))))
  }
  list(height = 5, draw = function() {
    funnel(fit, xlab = scale_of(rows)$funnel_xlab, main = title)
  })
}

for (outcome in outcomes) {
  rows <- effects[effects$outcome == outcome, , drop = FALSE]
  fit <- if (nrow(rows) >= MIN_K_POOL) fit_re(rows$yi, rows$vi, rows$label) else NULL
  p <- forest_overall(outcome, rows, fit)
  save_plot(paste0("forest_", outcome), p$height, c("svg", "png", "pdf"), p$draw)
  for (variable in SUBGROUPS) {
    p <- forest_subgroups(outcome, variable, rows, fit)
    save_plot(paste0("forest_", outcome, "_by_", variable), p$height, c("svg", "png", "pdf"),
              p$draw)
  }
  p <- leave_one_out_plot(outcome, rows, fit)
  loo_formats <- if (is.null(WANTED)) c("svg", "png") else c("svg", "png", "pdf")
  save_plot(paste0("leave_one_out_", outcome), p$height, loo_formats, p$draw)
  p <- funnel_plot(outcome, rows, fit)
  save_plot(paste0("funnel_", outcome), p$height, loo_formats, p$draw)
}

cat(sprintf("%d files written to %s\n", written, outdir))
