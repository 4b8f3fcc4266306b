/*
 * schema.c - the 13 UCI features: kind, physical range, documented levels.
 *
 * The ranges are what a human body (or the instrument) can produce; a
 * value outside them is an error anywhere.  The levels are those the
 * UCI documentation lists; hd-clean holds raw data to them, while the
 * server only warns about a level that training never saw.  Two
 * columns allow 0 only because sites wrote it for "not measured"
 * (zero_is_missing).
 */
#include <math.h>
#include <string.h>

#include "hd.h"

#define L(v) (1u << (v))

const struct hd_feature hd_features[HD_NFEAT] = {
	{ "age", HD_NUMERIC, 0, 120, 0, 0, "age in years" },
	{ "sex", HD_CATEGORICAL, 0, 1, L(0) | L(1), 0, "1 = male, 0 = female" },
	{ "cp", HD_CATEGORICAL, 0, 4, L(1) | L(2) | L(3) | L(4), 0,
	  "chest pain type: 1 typical angina, 2 atypical, 3 non-anginal, "
	  "4 asymptomatic" },
	{ "trestbps", HD_NUMERIC, 0, 300, 0, 1,
	  "resting blood pressure, mm Hg" },
	{ "chol", HD_NUMERIC, 0, 1000, 0, 1, "serum cholesterol, mg/dl" },
	{ "fbs", HD_CATEGORICAL, 0, 1, L(0) | L(1), 0,
	  "fasting blood sugar > 120 mg/dl" },
	{ "restecg", HD_CATEGORICAL, 0, 2, L(0) | L(1) | L(2), 0,
	  "resting ECG: 0 normal, 1 ST-T abnormality, 2 LV hypertrophy" },
	{ "thalach", HD_NUMERIC, 0, 300, 0, 0, "maximum heart rate, bpm" },
	{ "exang", HD_CATEGORICAL, 0, 1, L(0) | L(1), 0,
	  "exercise-induced angina" },
	{ "oldpeak", HD_NUMERIC, -10, 10, 0, 0,
	  "ST depression induced by exercise, mm" },
	{ "slope", HD_CATEGORICAL, 0, 3, L(1) | L(2) | L(3), 0,
	  "slope of the peak exercise ST segment: 1 up, 2 flat, 3 down" },
	{ "ca", HD_CATEGORICAL, 0, 4, L(0) | L(1) | L(2) | L(3), 0,
	  "major vessels coloured by fluoroscopy, 0-3" },
	{ "thal", HD_CATEGORICAL, 0, 7, L(3) | L(6) | L(7), 0,
	  "3 normal, 6 fixed defect, 7 reversible defect" },
};

int hd_feature_index(const char *name)
{
	for (int i = 0; i < HD_NFEAT; i++)
		if (strcmp(hd_features[i].name, name) == 0)
			return i;
	return -1;
}

int hd_parse_label(const char *s, uint8_t *y)
{
	if ((s[0] != '0' && s[0] != '1') || s[1] != '\0')
		return -1;
	*y = (uint8_t)(s[0] - '0');
	return 0;
}

const char *hd_feature_check(const struct hd_feature *f, double x, int strict)
{
	if (x < f->min || x > f->max)
		return "out of range";
	if (f->kind == HD_CATEGORICAL) {
		if (x != floor(x))
			return "not a whole number";
		if (strict && !(f->levels & L((unsigned)x)))
			return "not a documented level";
	}
	return NULL;
}

int hd_name_safe(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return 0;
	return 1;
}
