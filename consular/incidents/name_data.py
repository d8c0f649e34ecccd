"""Tables for the name matcher: the pinyin syllable inventory, surname readings, two-character surnames,
and the romanisations of Hong Kong, Macao, Taiwan and the Hokkien-speaking diaspora, each mapped to the
pinyin syllables it may stand for.

Pinyin is written without tones, ü as ``v`` (``lv``, ``nv``, ``lve``, ``nve``) like pinyin input methods
and pypinyin do. Wade–Giles and Tongyong spellings are derived from the inventory by rule (functions at the
end); Cantonese and Hokkien have no rule from Mandarin, so they are listed: for each spelling, the Mandarin
syllables of the characters commonly written with it in names. Sources: Hong Kong Government Cantonese
Romanisation as used on HKSAR passports and identity cards, the Macao (Portuguese-based) spellings on
MSAR documents, Wade–Giles as used on ROC passports without apostrophes and diacritics, Tongyong pinyin
(ROC 2002–2008), and the Hokkien/Teochew surname spellings of Singapore, Malaysia and the Philippines.
"""

from __future__ import annotations

# Standard Mandarin syllables (pypinyin's inventory minus interjections and rare dictionary-only syllables
# such as m, n, ng, hm, hng, o, which would only produce nonsense segmentations of Latin names).
PINYIN_SYLLABLES: frozenset[str] = frozenset("""
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao ce cen
ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo ci
cong cou cu cuan cui cun cuo da dai dan dang dao de dei deng di dian diao die ding diu dong dou du duan dui
dun duo e en er fa fan fang fei fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai
guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji
jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong kou ku kua
kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu long
lou lu luan lun luo lv lve ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na
nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nu nuan nuo nv nve ou pa pai pan
pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu
quan que qun ran rang rao re ren reng ri rong rou ru ruan rui run ruo sa sai san sang sao se sen seng sha
shai shan shang shao she shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan
sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang
wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin
ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhen
zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
""".split())

# Single-character surnames whose surname reading differs from the character's ordinary reading, or which
# have several readings: surname readings first. The matcher also accepts the ordinary readings (pypinyin's)
# at a lower weight, because lists typed by third parties (hotels, airlines) often romanise by converter.
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "曾": ("zeng",), "单": ("shan",), "單": ("shan",), "解": ("xie",), "仇": ("qiu",), "朴": ("piao",),
    "區": ("ou",), "区": ("ou",), "查": ("zha",), "盖": ("ge", "gai"), "蓋": ("ge", "gai"), "覃": ("qin", "tan"),
    "乐": ("yue", "le"), "樂": ("yue", "le"), "缪": ("miao",), "繆": ("miao",), "翟": ("zhai", "di"),
    "秘": ("bi",), "任": ("ren",), "种": ("chong",), "種": ("chong",), "员": ("yun",), "員": ("yun",),
    "繁": ("po",), "句": ("gou",), "过": ("guo",), "過": ("guo",), "祭": ("zhai",), "折": ("she",),
    "宿": ("su",), "尉": ("wei", "yu"), "蔚": ("wei", "yu"), "叶": ("ye",), "葉": ("ye",), "车": ("che",),
    "車": ("che",), "纪": ("ji",), "紀": ("ji",), "华": ("hua",), "華": ("hua",), "召": ("shao",),
    "郇": ("xun", "huan"), "隗": ("wei", "kui"), "燕": ("yan",), "冼": ("xian",), "洗": ("xian",),
    "都": ("du",), "薄": ("bo",), "柏": ("bai", "bo"), "牟": ("mou", "mu"), "那": ("na",), "万": ("wan",),
    "萬": ("wan",), "沈": ("shen",), "石": ("shi",), "贲": ("ben",), "臧": ("zang",), "能": ("nai", "neng"),
    "谌": ("chen", "shen"), "諶": ("chen", "shen"), "莘": ("shen", "xin"), "朝": ("chao",), "相": ("xiang",),
    "曲": ("qu",), "藏": ("zang",), "陆": ("lu",), "陸": ("lu",), "六": ("lu",), "角": ("jue", "jiao"),
    "黑": ("he",), "行": ("xing", "hang"), "粘": ("nian",), "佘": ("she",), "厍": ("she",), "番": ("pan", "po"),
    "仉": ("zhang",), "卜": ("bu",), "宁": ("ning",), "寧": ("ning",), "应": ("ying",), "應": ("ying",),
    "奇": ("qi", "ji"), "於": ("yu",), "长": ("chang",), "長": ("chang",), "重": ("chong",), "大": ("da",),
    "传": ("chuan",), "傳": ("chuan",), "率": ("shuai",), "系": ("xi",), "阚": ("kan",), "闞": ("kan",),
    "亓": ("qi",), "逄": ("pang",), "蕃": ("pi", "fan"), "宓": ("mi", "fu"), "澹": ("tan",),
    "吕": ("lv",), "呂": ("lv",), "女": ("nv",), "吴": ("wu",), "吳": ("wu",), "薛": ("xue",), "贾": ("jia",),
    "賈": ("jia",), "乜": ("nie",), "校": ("jiao",), "佴": ("nai",), "说": ("yue",), "哈": ("ha",),
}

# Two-character surnames (simplified and traditional) and their readings.
COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "欧阳": ("ou", "yang"), "歐陽": ("ou", "yang"), "司马": ("si", "ma"), "司馬": ("si", "ma"),
    "诸葛": ("zhu", "ge"), "諸葛": ("zhu", "ge"), "上官": ("shang", "guan"), "东方": ("dong", "fang"),
    "東方": ("dong", "fang"), "慕容": ("mu", "rong"), "司徒": ("si", "tu"), "尉迟": ("yu", "chi"),
    "尉遲": ("yu", "chi"), "皇甫": ("huang", "fu"), "公孙": ("gong", "sun"), "公孫": ("gong", "sun"),
    "轩辕": ("xuan", "yuan"), "軒轅": ("xuan", "yuan"), "宇文": ("yu", "wen"), "长孙": ("zhang", "sun"),
    "長孫": ("zhang", "sun"), "夏侯": ("xia", "hou"), "闻人": ("wen", "ren"), "聞人": ("wen", "ren"),
    "申屠": ("shen", "tu"), "端木": ("duan", "mu"), "百里": ("bai", "li"), "呼延": ("hu", "yan"),
    "钟离": ("zhong", "li"), "鍾離": ("zhong", "li"), "宗政": ("zong", "zheng"), "濮阳": ("pu", "yang"),
    "濮陽": ("pu", "yang"), "淳于": ("chun", "yu"), "太史": ("tai", "shi"), "东郭": ("dong", "guo"),
    "東郭": ("dong", "guo"), "南宫": ("nan", "gong"), "南宮": ("nan", "gong"), "西门": ("xi", "men"),
    "西門": ("xi", "men"), "第五": ("di", "wu"), "鲜于": ("xian", "yu"), "鮮于": ("xian", "yu"),
    "令狐": ("ling", "hu"), "澹台": ("tan", "tai"), "澹臺": ("tan", "tai"), "万俟": ("mo", "qi"),
    "萬俟": ("mo", "qi"), "单于": ("chan", "yu"), "單于": ("chan", "yu"), "司空": ("si", "kong"),
    "公冶": ("gong", "ye"), "漆雕": ("qi", "diao"), "拓跋": ("tuo", "ba"), "赫连": ("he", "lian"),
    "赫連": ("he", "lian"), "独孤": ("du", "gu"), "獨孤": ("du", "gu"), "谷梁": ("gu", "liang"),
    "宰父": ("zai", "fu"), "段干": ("duan", "gan"), "左丘": ("zuo", "qiu"), "东门": ("dong", "men"),
    "東門": ("dong", "men"), "梁丘": ("liang", "qiu"), "巫马": ("wu", "ma"), "巫馬": ("wu", "ma"),
    "公羊": ("gong", "yang"), "仲孙": ("zhong", "sun"), "仲孫": ("zhong", "sun"), "叱干": ("chi", "gan"),
}

# The pinyin of each two-character surname joined ("ouyang"), for finding them in Latin names.
COMPOUND_PINYIN: frozenset[tuple[str, str]] = frozenset(COMPOUND_SURNAMES.values())

# Hong Kong and Macao spellings -> Mandarin syllables of the characters commonly written so in names.
CANTONESE: dict[str, str] = {
    "ah": "ya a", "au": "ou", "chai": "qi zhai", "chak": "ze zhai", "cham": "zhan cen",
    "chan": "chen zhen can zan", "chau": "zhou qiu zou", "che": "che xie", "cheang": "zheng",
    "cheng": "zheng jing zhong", "cheong": "zhang chang xiang jiang", "cheuk": "zhuo",
    "cheung": "zhang xiang chang jiang", "chi": "zhi zi ci chi qi", "chik": "zhi ji qi", "chim": "zhan",
    "chin": "qian zhan jian", "ching": "zheng jing qing cheng", "chio": "zhao", "chit": "zhe jie",
    "chiu": "zhao chao xiao jiao qiao", "cho": "cao chu zu zuo", "choi": "cai", "choy": "cai", "chok": "zhuo",
    "chong": "zhuang zang cang chuang", "chow": "zhou zou qiu", "chu": "zhu chu", "chuen": "quan chuan cun",
    "chuk": "zhu", "chun": "jun zhen chun jin quan", "chung": "zhong zong cong song chong",
    "fai": "hui", "fan": "fen fan xun", "fat": "fa", "fok": "huo", "fong": "fang kuang huang", "fu": "fu hu",
    "fuk": "fu", "fun": "huan kuan", "fung": "feng", "ha": "xia", "hai": "xi hai", "han": "xian han",
    "hang": "heng xing hang", "hau": "hou xiao qiao kou", "hei": "xi qi", "heung": "xiang",
    "hin": "xian xuan qian", "hing": "xing qing", "hiu": "xiao qiao", "ho": "he hao ke", "hoi": "kai hai",
    "hok": "xue he", "hon": "han", "hong": "kang hang", "hou": "hao hou", "huen": "xuan quan", "hui": "xu hui",
    "hung": "xiong hong kong", "ieong": "yang", "ieng": "ying", "ip": "ye", "iu": "yao", "ka": "jia",
    "kai": "qi ji jie kai", "kam": "jin gan qin", "kan": "jian gan jin qin gen", "kar": "jia", "kee": "qi ji",
    "kei": "ji qi", "keong": "qiang jiang", "keung": "qiang jiang", "kin": "jian qian", "king": "jing qing",
    "kit": "jie", "kiu": "qiao jiao", "ko": "gao ge", "kok": "jiao jue ge", "kong": "jiang kong gang",
    "koo": "gu", "ku": "gu", "kuen": "juan quan", "kui": "ju qu", "kuk": "gu ju", "kun": "guan jin gen",
    "kung": "gong", "kuok": "guo", "kwai": "gui ji kui", "kwan": "jun kun qun guan yun", "kwing": "jiong",
    "kwok": "guo", "kwong": "guang kuang", "lai": "li lai", "lam": "lin lan", "lap": "li", "lau": "liu lou",
    "law": "luo lu", "lee": "li", "lei": "li", "leong": "liang", "leung": "liang", "lim": "lian", "lin": "lian",
    "ling": "ling", "lo": "lu luo lao", "loi": "lai", "lok": "le luo lu", "long": "lang", "lou": "lu lao luo",
    "lui": "lv lei", "luk": "lu lv", "lun": "lun lin", "lung": "long", "mak": "mai mo", "man": "wen min wan",
    "mang": "meng", "mau": "mao mou", "mei": "mei wei", "meng": "ming", "miu": "miao", "mo": "wu mao mo mu",
    "mok": "mo", "mui": "mei", "mun": "men man", "nam": "nan", "ng": "wu", "nga": "ya", "ngai": "wei ni yi",
    "ngan": "yan yin", "ngo": "ao e", "ngok": "yue e", "nip": "nie", "oi": "ai", "on": "an", "or": "ke",
    "pak": "bai bo", "pang": "peng pang", "pau": "bao", "pik": "bi", "po": "bao bu pu", "pok": "pu",
    "poon": "pan", "pui": "pei bei", "pun": "pan", "sai": "xi shi", "sam": "xin sen shen san cen",
    "san": "shan xin shen", "sang": "sheng", "sau": "xiu shou", "se": "she", "seak": "shi", "sek": "shi xi",
    "seung": "xiang shuang shang", "shan": "shan", "shek": "shi", "sheung": "shang chang",
    "shing": "cheng sheng", "shiu": "shao xiao", "shu": "shu", "shuk": "shu", "shui": "shui rui",
    "shum": "shen cen", "shun": "shun xin xun chun", "si": "si shi", "sik": "xi shi", "sin": "xian shan qian",
    "sing": "xing sheng cheng", "sio": "xiao shao", "siu": "xiao shao zhao", "so": "su", "sou": "su",
    "suen": "sun xuan", "sui": "sui rui xu", "suk": "shu su", "sum": "sen shen xin cen",
    "sun": "xin sun chen shen xun", "sung": "song chong", "sze": "shi si", "tai": "da dai di tai", "tak": "de",
    "tam": "tan", "tang": "deng", "tat": "da", "tin": "tian dian", "ting": "ting ding", "to": "tao du tu dao",
    "tong": "tang", "tou": "du tao", "tsang": "zeng", "tse": "xie", "tsim": "zhan jian qian",
    "tso": "cao zu zuo", "tsoi": "cai", "tsui": "cui xu", "tsun": "jun jin zun", "tsz": "zi ci si shi zhi",
    "tsze": "zi ci", "tung": "dong tong", "u": "yu", "un": "ruan yuan", "vai": "wei hui", "vong": "huang wang",
    "wa": "hua", "wah": "hua", "wai": "wei hui huai", "wan": "yun wen yin huan", "wing": "rong yong ying",
    "wo": "he wo", "wong": "huang wang", "woon": "huan yuan", "wu": "hu", "yam": "yin ren qin",
    "yan": "xin en ren yin zhen", "yat": "yi ri", "yau": "you qiu rou", "yee": "yi er qi", "yeung": "yang",
    "yeuk": "ruo", "yik": "yi", "yim": "yan ran", "yin": "yan xian ran", "yip": "ye", "yiu": "yao rao",
    "yu": "ru yu", "yue": "yu ru", "yuen": "yuan ruan wan", "yuet": "yue", "yuk": "yu xu", "yung": "rong weng",
}

# Spellings identical to pinyin that are also Hong Kong spellings, with the Mandarin of the usual characters:
# listed so that a name like LAI MING counts as written wholly in Cantonese.
CANTONESE.update({
    "fei": "fei", "li": "li", "lik": "li", "ma": "ma", "mi": "mi", "ming": "ming", "ni": "ni", "nin": "nian",
    "ning": "ning", "pei": "pei", "pin": "bian", "ping": "ping bing", "sha": "sha", "tan": "tan", "ying": "ying",
    "yun": "run ren yun", "wan": "yun wen yin huan wan",
})

# Characters used in given names with more than one reading in actual use (乐 le/yue, 朝 zhao/chao, 长
# chang/zhang …). For other characters pypinyin's secondary readings are archaic or rare (倩 qing, 英 yang):
# a Latin spelling that agrees only with such a reading is more likely another name, so it weighs less.
NAME_POLYPHONES: frozenset[str] = frozenset(
    "乐樂行长長朝重单單曾解查区區朴仇华華茜奇和大传傳参參沈觉覺蔓还還柏薄涌降炅红紅厦廈石藏曲弹彈好晟思露纶綸蔚"
    "景强強会會盛兴興种種省都度少中鲜鮮相更万萬率系卡秘宿落乘泊莘谌諶调調洗尉翟缪繆覃隗能车車汤湯叶葉殷栎櫟颉頡"
    "蕃阿娜员員贲賁便那广廣令宁寧尽盡给給似校杉荷冠佳亚亞区仟圳蚌莎鹄鵠昱奕骞騫噶暴藉厂廠")

# Whole-token Cantonese spellings of two-character surnames (司徒 SZETO, 欧阳 AUYEUNG).
COMPOUND_LATIN: dict[str, tuple[str, str]] = {
    "szeto": ("si", "tu"), "seto": ("si", "tu"), "auyeung": ("ou", "yang"), "owyang": ("ou", "yang"),
    "sheungkwan": ("shang", "guan"), "szema": ("si", "ma"), "chukot": ("zhu", "ge"),
}

# Hokkien / Teochew surname spellings (Singapore, Malaysia, Philippines, some Taiwan documents).
HOKKIEN: dict[str, str] = {
    "tan": "chen", "lim": "lin", "ong": "wang weng", "goh": "wu", "go": "wu", "teo": "zhang", "teoh": "zhang",
    "tio": "zhang", "koh": "xu gao", "ng": "huang wu", "chua": "cai", "tay": "zheng", "teh": "zheng",
    "yeo": "yang", "sim": "shen", "quek": "guo", "low": "liu", "loh": "luo lu", "heng": "wang", "ang": "hong",
    "khoo": "qiu", "ooi": "huang", "seah": "xie she", "chia": "xie", "toh": "zhuo du", "soh": "su",
    "gan": "yan", "poh": "fu", "phua": "pan", "yap": "ye", "sy": "shi", "co": "xu", "uy": "huang",
}

# Idiosyncratic spellings common on ROC documents that no system produces: Tsai ING-wen, Lin CHI-ling.
VARIANTS: dict[str, str] = {"ing": "ying", "chi": "zhi", "shi": "xi", "tze": "zi", "tzu": "zi", "szu": "si"}

# Passport forms of ü: LYU/LV/LÜ for 吕, NYU for 女 (ICAO 9303 transliteration practice since 2012),
# plus the LU/NU written on older passports.
PASSPORT_U: dict[str, str] = {
    "lyu": "lv", "nyu": "nv", "lyue": "lve", "nyue": "nve", "lue": "lve", "nue": "nve",
}
OLD_PASSPORT_U: dict[str, str] = {"lu": "lv", "nu": "nv"}


# ----------------------------------------------------------------------------------------------------------
# Wade–Giles and Tongyong, derived from the pinyin inventory by rule.

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z",
             "c", "s", "y", "w")


def split_syllable(syllable: str) -> tuple[str, str]:
    for initial in _INITIALS:
        if syllable.startswith(initial) and len(syllable) > len(initial):
            return initial, syllable[len(initial):]
    return "", syllable


_WG_SPECIAL: dict[str, tuple[str, ...]] = {
    "zi": ("tzu", "tsu"), "ci": ("tzu", "tsu"), "si": ("ssu", "szu", "su"), "zhi": ("chih",),
    "chi": ("chih",), "shi": ("shih",), "ri": ("jih",), "er": ("erh",), "e": ("o", "e"), "yi": ("i", "yi"),
    "you": ("yu",), "yan": ("yen",), "ye": ("yeh",), "yong": ("yung",), "yue": ("yueh",), "yu": ("yu",),
}
_WG_INITIAL = {"b": "p", "d": "t", "g": "k", "zh": "ch", "j": "ch", "q": "ch", "x": "hs", "r": "j", "z": "ts",
               "c": "ts"}


def wade_giles(syllable: str) -> tuple[str, ...]:
    """Wade–Giles without apostrophes and diacritics, as on ROC passports (張 CHANG, 許 HSU, 郭 KUO)."""
    if syllable in _WG_SPECIAL:
        return _WG_SPECIAL[syllable]
    initial, final = split_syllable(syllable)
    if initial in ("j", "q", "x") or syllable.startswith(("lv", "nv")):
        final = final.replace("v", "u")
        if final == "ue":
            final = "ueh"
    final = {"ong": "ung", "iong": "iung", "ian": "ien", "ie": "ieh", "ve": "ueh", "v": "u"}.get(final, final)
    if final == "uo" and initial in ("d", "t", "n", "l", "z", "c", "s", "zh", "ch", "r"):
        final = "o"
    elif final == "e" and initial in ("g", "k", "h"):
        final = "o"
    elif final == "ui" and initial in ("g", "k"):
        final = "uei"
    spelled = _WG_INITIAL.get(initial, initial) + final
    return (spelled,)


_TY_SPECIAL: dict[str, tuple[str, ...]] = {
    "zi": ("zih",), "ci": ("cih",), "si": ("sih",), "zhi": ("jhih",), "chi": ("chih",), "shi": ("shih",),
    "ri": ("rih",), "wen": ("wun",), "lv": ("lyu",), "nv": ("nyu",), "lve": ("lyue",), "nve": ("nyue",),
}


def tongyong(syllable: str) -> tuple[str, ...]:
    """Tongyong pinyin (ROC 2002–2008): 張 JHANG, 徐 SYU, 劉 LIOU, 馮 FONG."""
    if syllable in _TY_SPECIAL:
        return _TY_SPECIAL[syllable]
    initial, final = split_syllable(syllable)
    if initial in ("j", "q", "x"):
        if final.startswith("u"):
            final = "y" + final
        elif final == "iong":
            final = "yong"
    if final == "eng" and initial in ("b", "p", "m", "f", "w"):
        final = "ong"
    final = {"iu": "iou", "ui": "uei"}.get(final, final)
    initial = {"zh": "jh", "x": "s", "q": "c"}.get(initial, initial)
    return (initial + final,)
